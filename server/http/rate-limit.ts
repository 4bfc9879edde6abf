/**
 * Per-client limits on the API, counted with rate-limiter-flexible in this node's memory. With
 * several nodes behind a balancer each node counts on its own, so a client gets at most
 * (nodes × limit): still bounded, and no Redis round trip on every request.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { problem } from './problem.js';

/**
 * Consumes one point for `key`; undefined when allowed, else the seconds until the client may
 * try again. A limiter's own failure is thrown, never taken for "over the limit".
 */
export async function take(limiter: RateLimiterMemory, key: string, points = 1): Promise<number | undefined> {
  try {
    await limiter.consume(key, points);
    return undefined;
  } catch (res) {
    if (res instanceof RateLimiterRes) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    throw new Error('rate limiter failed', { cause: res });
  }
}

/** 429 Too Many Requests with Retry-After in seconds (RFC 6585 §4, RFC 9110 §10.2.3). */
export function tooManyRequests(c: Context, retryAfterSeconds: number, detail: string): Response {
  c.header('retry-after', String(retryAfterSeconds));
  return problem(c, 429, 'Too many requests', detail, { retryAfterSeconds });
}

/**
 * A middleware that spends one point of `limiter` per request, under the key `keyOf` gives.
 *
 * @example
 * api.use('*', rateLimit({ limiter: new RateLimiterMemory({ points: 30, duration: 1 }), keyOf: (c) => client(c), detail: 'Slow down.' }));
 */
export function rateLimit(opts: { limiter: RateLimiterMemory; keyOf: (c: Context) => string; detail: string }): MiddlewareHandler {
  return async (c, next) => {
    const wait = await take(opts.limiter, opts.keyOf(c));
    if (wait !== undefined) return tooManyRequests(c, wait, opts.detail);
    await next();
  };
}
