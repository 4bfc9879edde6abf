/**
 * The counter's API (`/api/pos/*`), mounted inside the main API so it shares its security
 * headers, rate limits, same-origin check and body limit. Only staff may use it (pos/staff-access.ts):
 * the credential is the operator token, as a bearer token or the `pp_operator` cookie that
 * `POST /api/pos/sign-in` (or the operator console's login) sets.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { IncomingMessage } from 'node:http';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { z } from 'zod';
import { counterChargingBody, itemIdSchema, refundBody, saleIdSchema, scanBody, signInBody, tillIdSchema } from '../../src/lib/shared/pos.js';
import { parsePhoneNumber } from '../domain/phone.js';
import { ServiceError, type ChargingService } from '../sessions/charging-service.js';
import type { Logger } from '../log.js';
import type { CatalogueService } from '../pos/catalogue-service.js';
import { SaleError, type SaleService } from '../pos/sale-service.js';
import { staffAllowed } from '../pos/staff-access.js';
import { clientAddress, clientKey } from './client-address.js';
import { parseJson, problem } from './problem.js';
import { take, tooManyRequests } from './rate-limit.js';

export const STAFF_COOKIE = 'pp_operator';

export interface PosApiDeps {
  sales: SaleService;
  catalogue: CatalogueService;
  /** Charging started at the counter (absent in tests of the sales alone). */
  charging?: Pick<ChargingService, 'startCounterSession'>;
  logger: Logger;
  operatorToken: string | undefined;
  trustedProxies?: number;
  /** Sign-in attempts per client per minute (default 10): the token must not be guessable by trying. */
  signInsPerMinute?: number;
}

const dayQuery = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export function createPosApi(deps: PosApiDeps): Hono {
  const app = new Hono();
  const signIns = new RateLimiterMemory({ keyPrefix: 'pos-sign-in', points: deps.signInsPerMinute ?? 10, duration: 60 });
  const client = (c: Context) => {
    const peer = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
    return clientKey(clientAddress(peer, c.req.header('x-forwarded-for'), deps.trustedProxies ?? 0));
  };
  const credential = (c: Context) => {
    const auth = c.req.header('authorization');
    return auth?.startsWith('Bearer ') ? auth.slice(7) : getCookie(c, STAFF_COOKIE);
  };
  const fail = (c: Context, err: unknown) => {
    if (err instanceof SaleError || err instanceof ServiceError) return problem(c, err.status, err.status === 502 ? 'Payment provider unavailable' : 'Request refused', err.message);
    deps.logger.error({ err, path: c.req.path }, 'counter request failed');
    return problem(c, 500, 'Internal error', 'Something went wrong on our side. Look at the sale again before trying anything twice.');
  };

  app.post('/sign-in', async (c) => {
    const wait = await take(signIns, client(c));
    if (wait !== undefined) return tooManyRequests(c, wait, 'Too many sign-in attempts. Wait a minute.');
    const body = await parseJson(c, signInBody);
    if (!body.ok) return body.response;
    if (!staffAllowed({ credential: body.data.token, operatorToken: deps.operatorToken })) return problem(c, 403, 'Forbidden', 'That token was not accepted.');
    // HttpOnly: scripts on the page never see it; Lax like the operator console's own cookie.
    setCookie(c, STAFF_COOKIE, body.data.token, { path: '/', httpOnly: true, sameSite: 'Lax', secure: new URL(c.req.url).protocol === 'https:', maxAge: 7 * 24 * 3600 });
    return c.body(null, 204);
  });

  app.post('/sign-out', (c) => {
    deleteCookie(c, STAFF_COOKIE, { path: '/' });
    return c.body(null, 204);
  });

  const staffOnly: MiddlewareHandler = async (c, next) => {
    if (!staffAllowed({ credential: credential(c), operatorToken: deps.operatorToken })) return problem(c, 403, 'Forbidden', 'Sign in at the counter first.');
    await next();
  };
  app.use('*', staffOnly);

  app.get('/me', (c) => c.json({ staff: true }));

  // --- catalogue
  app.get('/catalogue', async (c) => c.json(await deps.catalogue.list({ activeOnly: c.req.query('all') !== '1' })));
  app.post('/catalogue', async (c) => {
    const body = await parseJson(c, z.unknown());
    if (!body.ok) return body.response;
    const r = await deps.catalogue.create(body.data);
    return r.ok ? c.json(r.item, 201) : problem(c, r.status, 'Bad request', r.message);
  });
  app.put('/catalogue/:id', async (c) => {
    const id = itemIdSchema.safeParse(c.req.param('id'));
    if (!id.success) return problem(c, 404, 'Not found', 'No such item.');
    const body = await parseJson(c, z.unknown());
    if (!body.ok) return body.response;
    const r = await deps.catalogue.update(id.data, body.data);
    return r.ok ? c.json(r.item) : problem(c, r.status, r.status === 404 ? 'Not found' : 'Bad request', r.message);
  });

  // --- customers and sales
  const guarded = (fn: (c: Context) => Promise<Response>) => async (c: Context) => {
    try {
      return await fn(c);
    } catch (err) {
      return fail(c, err);
    }
  };
  const saleId = (c: Context) => {
    const id = saleIdSchema.safeParse(c.req.param('id'));
    if (!id.success) throw new SaleError(404, 'No such sale.');
    return id.data;
  };

  app.post(
    '/customers/identify',
    guarded(async (c) => {
      const body = await parseJson(c, z.unknown());
      if (!body.ok) return body.response;
      return c.json(await deps.sales.identify(body.data));
    })
  );
  app.post(
    '/sales',
    guarded(async (c) => {
      const body = await parseJson(c, z.unknown());
      if (!body.ok) return body.response;
      return c.json(await deps.sales.start(body.data), 201);
    })
  );
  // A read that also asks Vipps (at most once a second per sale): the page's live view.
  app.get(
    '/sales/:id',
    guarded(async (c) => c.json(await deps.sales.refresh(saleId(c))))
  );
  app.post(
    '/sales/:id/cancel',
    guarded(async (c) => c.json(await deps.sales.cancel(saleId(c))))
  );
  app.post(
    '/sales/:id/refund',
    guarded(async (c) => {
      const id = saleId(c);
      const body = await parseJson(c, refundBody);
      if (!body.ok) return body.response;
      return c.json(await deps.sales.refund(id, body.data.amountOre));
    })
  );
  app.get(
    '/day',
    guarded(async (c) => {
      const q = c.req.query('day');
      if (q !== undefined && !dayQuery.safeParse(q).success) return problem(c, 400, 'Bad request', 'day must be YYYY-MM-DD.');
      return c.json(await deps.sales.day(q));
    })
  );

  // --- charging at a connector for a customer at the counter: a reservation pushed to their phone
  app.post(
    '/charging',
    guarded(async (c) => {
      if (!deps.charging) return problem(c, 404, 'Not found', 'Charging from the counter is not available here.');
      const body = await parseJson(c, counterChargingBody);
      if (!body.ok) return body.response;
      const phone = parsePhoneNumber(body.data.phone, body.data.country);
      if (!phone.ok) return problem(c, 400, 'Bad request', phone.reason);
      const started = await deps.charging.startCounterSession({ connectorId: body.data.connectorId, amountOre: body.data.amountOre, msisdn: phone.msisdn });
      return c.json({ ...started, livePath: `/s/${started.sessionId}?t=${encodeURIComponent(started.token)}` }, 201);
    })
  );

  // --- the customer-facing scanner of a till
  app.post(
    '/tills/:till/scan',
    guarded(async (c) => {
      const till = tillIdSchema.safeParse(c.req.param('till'));
      if (!till.success) return problem(c, 404, 'Not found', 'No such till.');
      const body = await parseJson(c, scanBody);
      if (!body.ok) return body.response;
      await deps.sales.putScan(till.data, body.data.content);
      return c.body(null, 204);
    })
  );
  app.get(
    '/tills/:till/scan',
    guarded(async (c) => {
      const till = tillIdSchema.safeParse(c.req.param('till'));
      if (!till.success) return problem(c, 404, 'Not found', 'No such till.');
      return c.json({ scan: await deps.sales.takeScan(till.data) });
    })
  );

  return app;
}
