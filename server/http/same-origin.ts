/**
 * Cross-site request forgery: a state-changing request sent by a browser must come from a page
 * of plugpay itself. Built on hono/csrf, with the origin compared by host so that plugpay behind
 * a TLS-terminating proxy (it sees http, the browser says https) still recognises its own pages.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { problem } from './problem.js';

const SAFE_METHOD = /^(GET|HEAD|OPTIONS)$/;

/** The host the browser addressed: Host, or the proxy's X-Forwarded-Host when proxies are trusted. */
function requestedHost(c: Context, trustedProxies: number): string | undefined {
  const forwarded = trustedProxies > 0 ? c.req.header('x-forwarded-host')?.split(',')[0].trim() : undefined;
  return (forwarded || c.req.header('host'))?.toLowerCase();
}

function sameHost(origin: string, c: Context, trustedProxies: number): boolean {
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase(); // 'null' (sandboxed frames, some redirects) throws
  } catch {
    return false;
  }
  return host !== '' && host === requestedHost(c, trustedProxies);
}

function refuse(c: Context): Response {
  return problem(c, 403, 'Forbidden', 'This request came from another site. Open plugpay itself and try again.');
}

/**
 * Refuses state-changing requests that a browser sends on behalf of another site.
 *
 * A browser marks every such request with Origin or Sec-Fetch-Site (Fetch standard §3.1, Fetch
 * Metadata); a request with neither is a script, the charger CLI or a test, which carries its own
 * credential (a bearer token) rather than the browser's cookies, so there is nothing to forge.
 * hono/csrf judges the bodies a page can post cross-site without asking first (forms,
 * text/plain); a JSON body from a foreign Origin is refused here as well, so the rule does not
 * rest on the browser's CORS preflight alone.
 *
 * @example
 * api.use('*', sameOriginOnly({ trustedProxies: 0 }));
 */
export function sameOriginOnly(opts: { trustedProxies: number }): MiddlewareHandler {
  const allowed = (origin: string, c: Context) => sameHost(origin, c, opts.trustedProxies);
  const formGuard = csrf({ origin: allowed, secFetchSite: 'same-origin' });
  return async (c, next) => {
    if (SAFE_METHOD.test(c.req.method)) return next();
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    if (origin === undefined && site === undefined) return next();
    if (site !== 'same-origin' && origin !== undefined && !allowed(origin, c)) return refuse(c);
    try {
      await formGuard(c, next);
    } catch (err) {
      if (err instanceof HTTPException && err.status === 403) return refuse(c);
      throw err;
    }
  };
}
