/**
 * The counter's API (`/api/pos/*`), mounted inside the main API so it shares its security
 * headers, rate limits, same-origin check and body limit. Only signed-in staff with the cashier
 * role (or above) may sell; changing the catalogue takes the operator role. Staff sign in on the
 * console's sign-in page (a session cookie, plus the page's CSRF token on every change), or a
 * system sends OPERATOR_TOKEN as a bearer token (operators/staff-auth.ts).
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { counterChargingBody, itemIdSchema, refundBody, saleIdSchema, scanBody, tillIdSchema } from '../../src/lib/shared/pos.js';
import { parsePhoneNumber } from '../domain/phone.js';
import { ServiceError, type ChargingService } from '../sessions/charging-service.js';
import type { Logger } from '../log.js';
import type { CatalogueService } from '../pos/catalogue-service.js';
import { SaleError, type SaleService } from '../pos/sale-service.js';
import { requireStaff, type StaffEnv, type StaffGateDeps } from '../operators/staff-auth.js';
import { parseJson, problem } from './problem.js';

export interface PosApiDeps {
  sales: SaleService;
  catalogue: CatalogueService;
  /** Charging started at the counter (absent in tests of the sales alone). */
  charging?: Pick<ChargingService, 'startCounterSession'>;
  logger: Logger;
  /** Who is signed in (accounts, the CSRF secret, OPERATOR_TOKEN for systems). */
  staff: StaffGateDeps;
}

const dayQuery = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export function createPosApi(deps: PosApiDeps): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  const fail = (c: Context, err: unknown) => {
    if (err instanceof SaleError || err instanceof ServiceError) return problem(c, err.status, err.status === 502 ? 'Payment provider unavailable' : 'Request refused', err.message);
    deps.logger.error({ err, path: c.req.path }, 'counter request failed');
    return problem(c, 500, 'Internal error', 'Something went wrong on our side. Look at the sale again before trying anything twice.');
  };

  app.use('*', requireStaff(deps.staff, 'cashier'));
  // The prices the counter sells at are the operator's to set, not the cashier's.
  const operatorOnly = requireStaff(deps.staff, 'operator');

  app.get('/me', (c) => c.json({ staff: true, name: c.var.staff.displayName, role: c.var.staff.role }));

  // --- catalogue
  app.get('/catalogue', async (c) => c.json(await deps.catalogue.list({ activeOnly: c.req.query('all') !== '1' })));
  app.post('/catalogue', operatorOnly, async (c) => {
    const body = await parseJson(c, z.unknown());
    if (!body.ok) return body.response;
    const r = await deps.catalogue.create(body.data);
    return r.ok ? c.json(r.item, 201) : problem(c, r.status, 'Bad request', r.message);
  });
  app.put('/catalogue/:id', operatorOnly, async (c) => {
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
