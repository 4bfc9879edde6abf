/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * plugpay's service worker: the app shell (built JS/CSS and static files) is precached so a
 * page opens fast on a weak signal at a cold charger; pages are network-first (status, price
 * and sessions must be live). A driver's own pages (the start page with "my charging", and a
 * session page) are also copied when they load, so that a reload without a network still shows
 * the charge: the page then says it is offline and shows the last known figures (kept on the
 * phone) with their age. Anything else offline gets the offline page. /api and /socket.io are
 * never touched: stale money or session data is worse than none.
 */
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `plugpay-shell-${version}`;
/** Copies of the driver's own pages, for a reload without a network (kept across versions: the
 * copy's scripts are in the shell of the version that made it, so it is cleared with it). */
const PAGES = `plugpay-pages-${version}`;
/** The start page and session pages: the pages a driver reloads mid-charge. */
const KEEP_COPY = /^\/(s\/[A-Za-z0-9_-]{8,64})?$/;
const OFFLINE_URL = '/offline.html';
const SHELL = [...build, ...files];
const NEVER = ['/api/', '/socket.io/', '/ocpp/', '/webhooks/', '/sandbox/'];

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      await sw.skipWaiting();
    })()
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE && key !== PAGES) await caches.delete(key);
      await sw.clients.claim();
    })()
  );
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;
  if (NEVER.some((p) => url.pathname.startsWith(p) || url.pathname === p.slice(0, -1))) return;

  if (request.mode === 'navigate') {
    // Network first. A driver's own page is copied (without its query: the session token may
    // ride on the first visit's URL); offline, the copy, else the offline page.
    const copyKey = KEEP_COPY.test(url.pathname) ? url.origin + url.pathname : null;
    event.respondWith(
      fetch(request)
        .then(async (response) => {
          if (copyKey && response.ok && response.type === 'basic') {
            const copy = response.clone();
            event.waitUntil(caches.open(PAGES).then((c) => c.put(copyKey, copy)));
          }
          return response;
        })
        .catch(async () => {
          const kept = copyKey ? await caches.match(copyKey, { cacheName: PAGES }) : undefined;
          if (kept) return kept;
          const offline = await caches.match(OFFLINE_URL);
          return offline ?? new Response('You are offline.', { status: 503, headers: { 'content-type': 'text/plain' } });
        })
    );
    return;
  }

  if (SHELL.includes(url.pathname)) {
    // Immutable build output and static files: cache first.
    event.respondWith(caches.match(request).then((hit) => hit ?? fetch(request)));
  }
});
