import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    adapter: adapter({ out: 'build' }),
    // The service worker is registered by the app itself through workbox-window.
    serviceWorker: { register: false }
  }
};

export default config;
