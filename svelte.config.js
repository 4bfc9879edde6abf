import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    adapter: adapter({ out: 'build' }),
    // The service worker is registered by the app itself through workbox-window.
    serviceWorker: { register: false },
    // The pages' stylesheets (the layout's is about 5 KB) go into the HTML: no render-blocking
    // request before the first paint on a weak signal. The operator map's larger one stays a file.
    inlineStyleThreshold: 6 * 1024
  }
};

export default config;
