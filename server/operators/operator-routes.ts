/**
 * The console's actions over HTTP, mounted under /api/operator behind the staff guard (see
 * server/http/app.ts): thin, zod at the edge, one service call, problem+json errors.
 */
import { Hono, type Context } from 'hono';
import { sessionIdSchema } from '../../src/lib/shared/api.js';
import { parseJson, problem } from '../http/problem.js';
import { availabilityBody, chargerIdParam, resetBody, unlockBody, type ActionResult, type OperatorActions } from './operator-actions.js';
import type { ConsoleReads } from './console-reads.js';
import type { StationDetailsReader } from './station-details.js';
import type { StaffEnv } from './staff-auth.js';

const reply = (c: Context, r: ActionResult) => (r.ok ? c.json(r) : problem(c, r.status, r.status === 404 ? 'Not found' : 'Refused', r.message));

export function createOperatorRoutes(deps: { actions: OperatorActions; details: StationDetailsReader; reads: ConsoleReads }): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();

  app.get('/stations/:id/details', async (c) => {
    const d = await deps.details.one(c.req.param('id').slice(0, 100));
    return d ? c.json(d) : problem(c, 404, 'Not found', 'No such station.');
  });

  app.post('/sessions/:id/stop', async (c) => {
    const id = sessionIdSchema.safeParse(c.req.param('id'));
    if (!id.success) return problem(c, 404, 'Not found', 'No such charging session.');
    return reply(c, await deps.actions.stopSession(id.data, c.var.staff.username));
  });

  const chargerId = (c: Context) => chargerIdParam.safeParse(c.req.param('id'));
  app.post('/chargers/:id/reset', async (c) => {
    const id = chargerId(c);
    if (!id.success) return problem(c, 404, 'Not found', 'No such charger.');
    const body = await parseJson(c, resetBody);
    if (!body.ok) return body.response;
    return reply(c, await deps.actions.reset(id.data, body.data.kind, c.var.staff.username));
  });
  app.post('/chargers/:id/availability', async (c) => {
    const id = chargerId(c);
    if (!id.success) return problem(c, 404, 'Not found', 'No such charger.');
    const body = await parseJson(c, availabilityBody);
    if (!body.ok) return body.response;
    return reply(c, await deps.actions.changeAvailability(id.data, body.data.connectorNo, body.data.available, c.var.staff.username));
  });
  app.post('/chargers/:id/unlock', async (c) => {
    const id = chargerId(c);
    if (!id.success) return problem(c, 404, 'Not found', 'No such charger.');
    const body = await parseJson(c, unlockBody);
    if (!body.ok) return body.response;
    return reply(c, await deps.actions.unlock(id.data, body.data.connectorNo, c.var.staff.username));
  });
  // Failed or dead-lettered money jobs: run one again now (its idempotency key keeps a capture single).
  app.get('/money-jobs', async (c) => c.json(await deps.reads.moneyJobs()));
  app.post('/money-jobs/:id/retry', async (c) => {
    const id = Number(c.req.param('id'));
    if (!(await deps.reads.retryJob(id, c.var.staff.username))) return problem(c, 404, 'Not found', 'No such pending job.');
    return c.json({ ok: true, answer: 'queued' });
  });
  return app;
}
