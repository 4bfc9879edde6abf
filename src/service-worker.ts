/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * plugpay's service worker: the app shell (built JS/CSS and static files) is precached so a
 * page opens fast on a weak signal at a cold charger; pages are network-first (status, price
 * and sessions must be live) with an offline page as the fallback. /api and /socket.io are never
 * touched: stale money or session data is worse than none.
 */
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `plugpay-shell-${version}`;
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
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
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
    // Network first; the offline page only when the network is gone. Pages are never cached:
    // they carry live status and a session's state.
    event.respondWith(
      fetch(request).catch(async () => {
        const cached = await caches.match(OFFLINE_URL);
        return cached ?? new Response('You are offline.', { status: 503, headers: { 'content-type': 'text/plain' } });
      })
    );
    return;
  }

  if (SHELL.includes(url.pathname)) {
    // Immutable build output and static files: cache first.
    event.respondWith(caches.match(request).then((hit) => hit ?? fetch(request)));
  }
});
