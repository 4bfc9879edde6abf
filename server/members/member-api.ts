/**
 * `/api/member/*`: sign-in with Vipps Login, the member's agreement, starting a member session,
 * paying a debt, and the operator's on-demand daily run. Thin: validate with zod, call one
 * service, reply (problem+json on errors). Mounted beside `/api`, whose rate limit, security
 * headers, same-origin check and body limit apply here too; the same-origin check is repeated so
 * the routes are safe on their own.
 */
import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { z } from 'zod';
import { connectorIdSchema } from '../../src/lib/shared/api.js';
import { sessionCookieName } from '../http/app.js';
import { parseJson, problem } from '../http/problem.js';
import { clientAddress, clientKey } from '../http/client-address.js';
import { take, tooManyRequests } from '../http/rate-limit.js';
import { sameOriginOnly } from '../http/same-origin.js';
import type { Logger } from '../log.js';
import { LoginError, type LoginPort } from '../payments/login-port.js';
import { operatorAllowed } from '../sessions/operator-access.js';
import { ServiceError } from '../sessions/session-core.js';
import type { DailyCharges } from './daily-charges.js';
import type { MemberCookies } from './member-cookies.js';
import type { MemberService } from './member-service.js';

const limitBody = z.object({ limitOre: z.number().int().min(100).max(2_000_000) });
const startBody = z.object({ connectorId: connectorIdSchema });
const runBody = z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional() });
const returnTo = z.string().regex(/^\/(member|c\/[A-Za-z0-9._-]{1,64})$/);

export function createMemberApi(deps: {
  members: MemberService;
  daily: DailyCharges;
  login: LoginPort;
  cookies: MemberCookies;
  publicUrl: string;
  operatorToken?: string;
  trustedProxies?: number;
  logger: Logger;
}): Hono {
  const api = new Hono();
  const trustedProxies = deps.trustedProxies ?? 0;
  const client = (c: Context) => clientKey(clientAddress((c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), trustedProxies));
  // As for reservations (app.ts): 20 attempts to start a member session a minute per client.
  const starts = new RateLimiterMemory({ keyPrefix: 'member-starts', points: 20, duration: 60 });
  api.use('*', sameOriginOnly({ trustedProxies }));
  api.onError((err, c) => {
    if (err instanceof ServiceError) return problem(c, err.status, err.status === 502 ? 'Payment provider unavailable' : 'Request refused', err.message);
    deps.logger.error({ err, path: c.req.path }, 'member request failed');
    return problem(c, 500 as never, 'Internal error', 'Something went wrong on our side. Nothing was charged; please try again.');
  });

  /** The signed-in member, or a 401 problem. */
  const signedIn = async (c: Context): Promise<string | Response> => (await deps.cookies.member(c)) ?? problem(c, 401, 'Sign in', 'Sign in with Vipps to use your membership.');

  // Sign-in: off to Vipps Login, with state, nonce and the PKCE verifier kept in a signed cookie.
  api.get('/login', async (c) => {
    const to = returnTo.safeParse(c.req.query('return') ?? '/member');
    const { url, pending } = await deps.login.begin().catch((err) => {
      throw new ServiceError(502, 'Vipps Login could not be reached. Please try again.', { cause: err });
    });
    await deps.cookies.setPending(c, pending, to.success ? to.data : '/member');
    return c.redirect(url, 302);
  });

  api.get('/login/callback', async (c) => {
    const pending = await deps.cookies.pending(c);
    deps.cookies.clearPending(c);
    if (!pending) return problem(c, 400, 'Sign-in expired', 'The sign-in took too long or was started elsewhere. Start again.');
    // The URL Vipps sent the browser back to: public origin, this path, its query as received.
    const callback = new URL(`${deps.publicUrl}/api/member/login/callback${new URL(c.req.url).search}`);
    try {
      const user = await deps.login.finish(callback, pending);
      const member = await deps.members.signIn(user);
      await deps.cookies.setMember(c, member.id);
      return c.redirect(pending.returnTo, 303);
    } catch (err) {
      if (err instanceof LoginError) {
        deps.logger.warn({ err, code: err.code }, 'member sign-in failed');
        return c.redirect(`/member?login=${err.code === 'access_denied' ? 'cancelled' : 'failed'}`, 303);
      }
      throw err;
    }
  });

  api.post('/logout', (c) => {
    deps.cookies.clearMember(c);
    return c.body(null, 204);
  });

  api.get('/me', async (c) => {
    const id = await signedIn(c);
    if (typeof id !== 'string') return id;
    return c.json(await deps.members.view(id));
  });

  api.post('/agreement', async (c) => {
    const id = await signedIn(c);
    if (typeof id !== 'string') return id;
    const body = await parseJson(c, limitBody);
    if (!body.ok) return body.response;
    return c.json(await deps.members.join(id, body.data.limitOre), 201);
  });

  api.put('/agreement/limit', async (c) => {
    const id = await signedIn(c);
    if (typeof id !== 'string') return id;
    const body = await parseJson(c, limitBody);
    if (!body.ok) return body.response;
    await deps.members.changeLimit(id, body.data.limitOre);
    return c.json(await deps.members.view(id));
  });

  api.delete('/agreement', async (c) => {
    const id = await signedIn(c);
    if (typeof id !== 'string') return id;
    await deps.members.end(id);
    return c.json(await deps.members.view(id));
  });

  api.post('/sessions', async (c) => {
    const tooOften = await take(starts, client(c));
    if (tooOften !== undefined) return tooManyRequests(c, tooOften, 'Too many attempts to start charging from this device. Wait a minute and try again.');
    const id = await signedIn(c);
    if (typeof id !== 'string') return id;
    const body = await parseJson(c, startBody);
    if (!body.ok) return body.response;
    const r = await deps.members.startSession(id, body.data.connectorId);
    return c.json(r, 201, { 'set-cookie': `${sessionCookieName(r.sessionId)}=${r.token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=172800` });
  });

  api.post('/debt', async (c) => {
    const id = await signedIn(c);
    if (typeof id !== 'string') return id;
    return c.json(await deps.members.payDebt(id), 201);
  });

  // The operator runs the daily charge on demand (a date, or yesterday by default).
  api.post('/admin/daily-run', async (c) => {
    const auth = c.req.header('authorization');
    if (!operatorAllowed(auth?.startsWith('Bearer ') ? auth.slice(7) : undefined, deps.operatorToken)) {
      return problem(c, 403, 'Forbidden', 'The daily run needs the operator token as a bearer token.');
    }
    const raw = await c.req.text();
    const body = runBody.safeParse(raw.trim() === '' ? {} : safeJson(raw));
    if (!body.success) return problem(c, 400, 'Bad request', 'Send {"date":"YYYY-MM-DD"} or nothing.');
    return c.json(await deps.daily.run(body.data.date));
  });

  api.notFound((c) => problem(c, 404, 'Not found', `No API at ${c.req.method} ${c.req.path}.`));
  return api;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
