/**
 * Hands plugpay's services to every page: main.ts publishes a PlugpayBridge on
 * globalThis[PLUGPAY_BRIDGE] before mounting this handler. Without it the pages that need data
 * cannot work, so they answer 503 with a clear message instead of failing somewhere deeper.
 * Every page is rendered in the driver's language (see i18n below).
 */
import type { Handle, HandleServerError } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { building } from '$app/environment';
import { PLUGPAY_BRIDGE, type PlugpayBridge } from '$lib/shared/api';
import { staffHandle } from '$lib/server/staff-handle';
import { paraglideMiddleware } from '$lib/paraglide/server';
import { defineCustomServerStrategy } from '$lib/paraglide/runtime';
import { localeForRequest } from '$lib/i18n/locales';
import { errorWords } from '$lib/server/error-words';
import { preloadWords } from '$lib/server/preload-words';

/** Routes that render without plugpay's services (plain content). */
const STATIC_ROUTES = new Set(['/', '/terms', '/lang']);

function bridge(): PlugpayBridge | undefined {
  return (globalThis as Record<symbol, unknown>)[PLUGPAY_BRIDGE] as PlugpayBridge | undefined;
}

// The driver's choice, else the browser's languages (scripts/i18n-options.mjs). One strategy
// for both: Paraglide asks custom strategies before its own cookie strategy.
defineCustomServerStrategy('custom-driver', {
  getLocale: (request) => localeForRequest(request?.headers.get('cookie'), request?.headers.get('accept-language'))
});

const i18n: Handle = ({ event, resolve }) =>
  paraglideMiddleware(event.request, async ({ request, locale }) => {
    event.request = request;
    const response = await resolve(event, {
      transformPageChunk: ({ html }) => html.replace('%lang%', locale),
      preload: preloadWords(locale)
    });
    if (response.headers.get('content-type')?.startsWith('text/html')) {
      response.headers.set('content-language', locale);
      response.headers.append('vary', 'Accept-Language, Cookie');
    }
    return response;
  });

const services: Handle = async ({ event, resolve }) => {
  const plugpay = bridge();
  if (plugpay) {
    event.locals.plugpay = plugpay;
  } else if (!building && !STATIC_ROUTES.has(event.route.id ?? '')) {
    // Without the bridge there is no plugpay logger either: the console is all there is.
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

/** The driver's language first, then plugpay's services, then who is signed in (staff pages and their CSRF tokens). */
export const handle = sequence(i18n, services, staffHandle);

/**
 * Unexpected errors, and SvelteKit's own (a path no route matches): worded here in the driver's
 * language like the pages' own errors (src/lib/server/error-words.ts), so the browser's error
 * page carries no strings. Unexpected ones are logged with plugpay's logger (the bridge's);
 * their details never reach the page.
 */
export const handleError: HandleServerError = ({ error, event, status, message }) => {
  if (status >= 500) {
    // Where it happened, never what was sent: no body, no query string, no cookies or headers.
    const where = { method: event.request.method, path: event.url.pathname, route: event.route.id, status };
    const logger = bridge()?.logger;
    if (logger) logger.error({ err: error, ...where }, 'page failed');
    // No bridge (a static build, or a handler not mounted by server/main.ts): nowhere else to log.
    else console.error('[plugpay web]', `${where.method} ${where.path}`, error);
  }
  const code = status >= 500 ? 'failed' : message;
  return { message: code, words: errorWords(status, code) };
};
