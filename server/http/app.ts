/**
 * plugpay's HTTP API: one Hono sub-app per resource, thin: validate, call one service, reply.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import type { IncomingMessage } from 'node:http';
import QRCode from 'qrcode';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { z } from 'zod';
import { connectorIdSchema, sessionIdSchema, startSessionBody, type SessionView } from '../../src/lib/shared/api.js';
import type { Logger } from '../log.js';
import type { VippsWebhookIntake } from '../payments/webhook-intake.js';
import { ServiceError, type ChargingService } from '../sessions/charging-service.js';
import type { ChargerAdmin } from '../sessions/charger-admin.js';
import { requireStaff, type StaffEnv, type StaffGateDeps } from '../operators/staff-auth.js';
import { clientAddress, clientKey } from './client-address.js';
import { parseJson, problem } from './problem.js';
import { rateLimit, tooManyRequests } from './rate-limit.js';
import { StartGuard, type StartLimits } from './start-guard.js';
import { sameOriginOnly } from './same-origin.js';

export const sessionCookieName = (sessionId: string) => `pp_s_${sessionId}`;

export interface HttpDeps {
  charging: ChargingService;
  chargerAdmin: ChargerAdmin;
  logger: Logger;
  operatorToken?: string;
  /** Set when this node is ready to serve (migrations done, adapters up). */
  ready: () => boolean;
  /**
   * How many reverse proxies stand in front of plugpay. 0 (the default) ignores X-Forwarded-For
   * and X-Forwarded-Host, which any client can write; behind one proxy, 1.
   */
  trustedProxies?: number;
  limits?: Partial<ApiLimits>;
  /** The start rules, shared with the landing page's form action; built from `limits` when absent. */
  startGuard?: StartGuard;
  /** The counter's API (pos-api.ts), mounted at /api/pos behind the same middleware. */
  pos?: Hono<StaffEnv>;
  /** Signed-in staff (accounts, secret for CSRF); without it only OPERATOR_TOKEN opens the operator routes. */
  staff?: Omit<StaffGateDeps, 'operatorToken'>;
  /** More operator routes (the console's actions), mounted under /operator behind the same guard. */
  operatorApi?: Hono<StaffEnv>;
}

/** What one client (one IPv4 address, one IPv6 /64) may do. */
export interface ApiLimits extends StartLimits {
  /** Requests per second across the whole API. */
  requestsPerSecond: number;
}

export const defaultApiLimits: ApiLimits = {
  requestsPerSecond: 30,
  sessionStartsPerMinute: 20,
  reservationsPerWindow: 2,
  approvalWindowSeconds: 120
};

function serviceError(c: Parameters<typeof problem>[0], err: unknown, logger: Logger) {
  if (err instanceof ServiceError) return problem(c, err.status, err.status === 502 ? 'Payment provider unavailable' : 'Request refused', err.message);
  logger.error({ err, path: c.req.path }, 'request failed');
  return problem(c, 500 as never, 'Internal error', 'Something went wrong on our side. Nothing was charged twice; please try again.');
}

/** Session capability: a cookie set by the pages, a bearer token, or `?t=` from the return URL. */
function sessionToken(c: Parameters<typeof getCookie>[0], sessionId: string): string | undefined {
  const auth = c.req.header('authorization');
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  return c.req.query('t') ?? getCookie(c, sessionCookieName(sessionId));
}

export function createApi(deps: HttpDeps): Hono {
  const api = new Hono();
  const limits = { ...defaultApiLimits, ...deps.limits };
  const trustedProxies = deps.trustedProxies ?? 0;
  const client = (c: Context) => {
    const peer = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
    return clientKey(clientAddress(peer, c.req.header('x-forwarded-for'), trustedProxies));
  };
  const starts = deps.startGuard ?? new StartGuard(limits, (ids) => deps.charging.awaitingPayment(ids));

  api.onError((err, c) => serviceError(c, err, deps.logger));
  api.use('*', secureHeaders());
  api.use(
    '*',
    rateLimit({
      limiter: new RateLimiterMemory({ keyPrefix: 'api', points: limits.requestsPerSecond, duration: 1 }),
      keyOf: client,
      detail: 'Too many requests from this device. Wait a moment and try again.'
    })
  );
  api.use('*', sameOriginOnly({ trustedProxies }));
  // Every body plugpay accepts is a few hundred bytes; a larger one is refused before it is read.
  api.use('*', bodyLimit({ maxSize: 16 * 1024, onError: (c) => problem(c, 413, 'Too large', 'Request bodies are limited to 16 KiB.') }));
  api.notFound((c) => problem(c, 404, 'Not found', `No API at ${c.req.method} ${c.req.path}.`));

  api.get('/health', (c) => (deps.ready() ? c.json({ status: 'ok' }) : c.json({ status: 'starting' }, 503)));

  // --- connectors
  api.get('/connectors/:id', async (c) => {
    const id = connectorIdSchema.safeParse(c.req.param('id'));
    if (!id.success) return problem(c, 404, 'Not found', 'No such connector.');
    const view = await deps.charging.connectorView(id.data);
    return view ? c.json(view) : problem(c, 404, 'Not found', 'No such connector.');
  });

  // --- sessions
  api.post('/sessions', async (c) => {
    const who = client(c);
    const attempt = await starts.attempt(who);
    if (!attempt.ok) return tooManyRequests(c, attempt.retryAfterSeconds, attempt.detail);
    const body = await parseJson(c, startSessionBody);
    if (!body.ok) return body.response;
    const held = await starts.hold(who);
    if (!held.ok) return tooManyRequests(c, held.retryAfterSeconds, held.detail);
    try {
      const r = await deps.charging.startSession(body.data);
      starts.confirm(who, r.sessionId);
      return c.json(r, 201, { 'set-cookie': `${sessionCookieName(r.sessionId)}=${r.token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=172800` });
    } catch (err) {
      starts.release(who); // nothing is held: the attempt does not count
      return serviceError(c, err, deps.logger);
    }
  });

  /** A route on one session, reached with its capability; both reads and the stop look alike. */
  const sessionRoute = (action: (id: string, token: string | undefined) => Promise<SessionView>) => async (c: Context) => {
    const id = sessionIdSchema.safeParse(c.req.param('id'));
    if (!id.success) return problem(c, 404, 'Not found', 'No such charging session.');
    try {
      return c.json(await action(id.data, sessionToken(c, id.data)));
    } catch (err) {
      return serviceError(c, err, deps.logger);
    }
  };
  api.get('/sessions/:id', sessionRoute((id, token) => deps.charging.sessionView(id, token)));
  // A stopped or cancelled reservation no longer awaits approval, so it stops counting by itself.
  api.post('/sessions/:id/stop', sessionRoute((id, token) => deps.charging.stopSession(id, token)));

  // --- operators: signed-in staff, or OPERATOR_TOKEN as a bearer token (never from the query
  // string: URLs end up in proxy logs, browser history and Referer headers).
  const gate: StaffGateDeps = { ...deps.staff, operatorToken: deps.operatorToken };
  api.use('/operator/*', requireStaff(gate, 'operator'));
  api.use('/admin/*', requireStaff(gate, 'admin'));

  api.get('/operator/stations', async (c) => c.json(await deps.charging.operatorStations()));

  // Jobs that keep failing (a capture Vipps keeps refusing, a receipt that cannot be sent): they
  // are still retried, slowly, and someone must look at each.
  api.get('/operator/dead-letters', async (c) => c.json(await deps.charging.deadLetters()));

  // The QR sticker for a connector: an SVG that encodes its landing page, ready to print.
  api.get('/operator/connectors/:id/qr.svg', async (c) => {
    const id = connectorIdSchema.safeParse(c.req.param('id'));
    const url = id.success ? await deps.charging.connectorLandingUrl(id.data) : null;
    if (!url) return problem(c, 404, 'Not found', 'No such connector.');
    const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return c.body(svg, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'no-cache' });
  });

  if (deps.pos) api.route('/pos', deps.pos);
  if (deps.operatorApi) api.route('/operator', deps.operatorApi);

  api.post('/admin/chargers', async (c) => {
    const body = await parseJson(c, z.unknown());
    if (!body.ok) return body.response;
    const r = await deps.chargerAdmin.register(body.data);
    if (!r.ok) return problem(c, r.status, 'Bad request', r.message);
    return c.json(r.charger, 201);
  });

  return api;
}

/** POST /webhooks/vipps: the raw body is needed for the signature, so it is read as bytes. */
export function createWebhookRoutes(deps: { webhooks: VippsWebhookIntake; logger: Logger }): Hono {
  const app = new Hono();
  app.use('*', bodyLimit({ maxSize: 64 * 1024, onError: (c) => problem(c, 413, 'Too large', 'Webhook bodies are small.') }));
  app.post('/vipps', async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    try {
      const r = await deps.webhooks.receive(raw, c.req.raw.headers);
      if (r.status === 200) return c.json({ ok: true });
      return problem(c, r.status, r.status === 401 ? 'Unauthorized' : 'Bad request', r.detail);
    } catch (err) {
      // Not acknowledged: Vipps retries, and the poller learns the state meanwhile.
      deps.logger.error({ err }, 'webhook handling failed');
      return problem(c, 503, 'Try again', 'The webhook could not be processed now.');
    }
  });
  return app;
}
