/**
 * Hands plugpay's services to every page: main.ts publishes a PlugpayBridge on
 * globalThis[PLUGPAY_BRIDGE] before mounting this handler. Without it the pages that need data
 * cannot work, so they answer 503 with a clear message instead of failing somewhere deeper.
 */
import type { Handle } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { building } from '$app/environment';
import { PLUGPAY_BRIDGE, type PlugpayBridge } from '$lib/shared/api';
import { staffHandle } from '$lib/server/staff-handle';

/** Routes that render without plugpay's services (plain content). */
const STATIC_ROUTES = new Set(['/', '/terms']);

function bridge(): PlugpayBridge | undefined {
  return (globalThis as Record<symbol, unknown>)[PLUGPAY_BRIDGE] as PlugpayBridge | undefined;
}

const services: Handle = async ({ event, resolve }) => {
  const plugpay = bridge();
  if (plugpay) {
    event.locals.plugpay = plugpay;
  } else if (!building && !STATIC_ROUTES.has(event.route.id ?? '')) {
    console.error(
      `[plugpay web] ${event.request.method} ${event.url.pathname}: no PlugpayBridge on globalThis[Symbol.for('plugpay.bridge')]; ` +
        'the SvelteKit handler must be mounted by plugpay\'s server (server/main.ts).'
    );
    return new Response(
      'plugpay is starting or misconfigured: the web pages are not connected to plugpay\'s services. Please try again in a moment.',
      { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' } }
    );
  }
  return resolve(event);
};

/** plugpay's services first, then who is signed in (staff pages and their CSRF tokens). */
export const handle = sequence(services, staffHandle);
