/**
 * The console's remote actions over real HTTP against a whole plugpay and a simulated charger:
 * who may send them (a staff session with its CSRF token, or OPERATOR_TOKEN), what the charger
 * does, and bad input that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../server/log.js';
import { csrfToken } from '../server/operators/csrf.js';
import { StaffAccounts } from '../server/operators/staff-accounts.js';
import { systemClock } from '../server/sessions/ports.js';
import { demoChargers } from '../server/sim/demo.js';
import { eventually, startTestPlugpay, type TestPlugpay } from './helpers/plugpay.js';

const OPERATOR_TOKEN = 'operator-actions-token-0123';
let pp: TestPlugpay;
let staff: { cookie: string; csrf: string };

beforeAll(async () => {
  pp = await startTestPlugpay({ OPERATOR_TOKEN }, { demoChargers: demoChargers.filter((c) => c.id === 'OSL-GRO-01') });
  const accounts = new StaffAccounts({ db: pp.db, clock: systemClock, logger: silentLogger });
  await accounts.add({ username: 'kari', password: 'kari the operator', role: 'operator' });
  await accounts.add({ username: 'ola', password: 'ola the cashier', role: 'cashier' });
  const r = await accounts.signIn({ username: 'kari', password: 'kari the operator', client: 'actions-test' });
  if (!r.ok) throw new Error('sign-in failed');
  staff = { cookie: `pp_staff=${r.token}`, csrf: csrfToken(pp.config.secret, r.token) };
  await eventually(async () => (await pp.charging.connectorView('OSL-GRO-01-1'))?.available, 15_000, 'connector available');
}, 60_000);
afterAll(async () => pp?.stop());

const post = (path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${pp.url}/api/operator${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
const asStaff = (path: string, body: unknown) => post(path, body, { cookie: staff.cookie, 'x-csrf-token': staff.csrf });

describe('remote actions', () => {
  it('take a connector out of service and back, as the charger confirms', async () => {
    const off = await asStaff('/chargers/OSL-GRO-01/availability', { connectorNo: 1, available: false });
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ ok: true, answer: 'accepted' });
    await eventually(async () => (await pp.charging.connectorView('OSL-GRO-01-1'))?.status === 'unavailable', 15_000, 'connector unavailable');
    expect((await asStaff('/chargers/OSL-GRO-01/availability', { connectorNo: 1, available: true })).status).toBe(200);
    await eventually(async () => (await pp.charging.connectorView('OSL-GRO-01-1'))?.status === 'available', 15_000, 'connector available again');
  });

  it('unlock a connector and reset a charger', async () => {
    expect(await (await asStaff('/chargers/OSL-GRO-01/unlock', { connectorNo: 2 })).json()).toMatchObject({ ok: true, answer: 'unlocked' });
    expect(await (await post('/chargers/OSL-GRO-01/reset', { kind: 'Soft' }, { authorization: `Bearer ${OPERATOR_TOKEN}` })).json()).toMatchObject({ ok: true, answer: 'accepted' });
    await eventually(async () => (await pp.charging.connectorView('OSL-GRO-01-1'))?.available, 30_000, 'the charger back after its reset');
  });

  it('refuses without the CSRF token, with too small a role, and without signing in, and sends nothing', async () => {
    expect((await post('/chargers/OSL-GRO-01/availability', { connectorNo: 1, available: false }, { cookie: staff.cookie })).status).toBe(403);
    expect((await post('/chargers/OSL-GRO-01/availability', { connectorNo: 1, available: false }, { cookie: staff.cookie, 'x-csrf-token': 'x'.repeat(43) })).status).toBe(403);
    expect((await post('/chargers/OSL-GRO-01/availability', { connectorNo: 1, available: false }, {})).status).toBe(403);
    const cashier = await new StaffAccounts({ db: pp.db, clock: systemClock, logger: silentLogger }).signIn({ username: 'ola', password: 'ola the cashier', client: 'actions-test' });
    if (!cashier.ok) throw new Error('sign-in failed');
    expect(
      (await post('/chargers/OSL-GRO-01/availability', { connectorNo: 1, available: false }, { cookie: `pp_staff=${cashier.token}`, 'x-csrf-token': csrfToken(pp.config.secret, cashier.token) })).status
    ).toBe(403);
    // A page of another site is refused by the same-origin rule before anything else.
    expect((await post('/chargers/OSL-GRO-01/availability', { connectorNo: 1, available: false }, { cookie: staff.cookie, 'x-csrf-token': staff.csrf, origin: 'https://evil.example' })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 500));
    expect((await pp.charging.connectorView('OSL-GRO-01-1'))?.status).toBe('available');
  });

  it('answers bad input with a clear 400 or 404, and a stop of a session that is not charging with 409', async () => {
    expect((await asStaff('/chargers/OSL-GRO-01/availability', { connectorNo: 'one', available: false })).status).toBe(400);
    expect((await asStaff('/chargers/OSL-GRO-01/reset', { kind: 'Brutal' })).status).toBe(400);
    expect((await asStaff('/chargers/OSL-GRO-01/unlock', { connectorNo: 0 })).status).toBe(400);
    expect((await asStaff('/chargers/NOPE/reset', { kind: 'Soft' })).status).toBe(404);
    expect((await asStaff('/chargers/bad%2Fid/reset', { kind: 'Soft' })).status).toBe(404);
    expect((await asStaff('/sessions/0123456789ab/stop', {})).status).toBe(404);
    const s = await pp.charging.startSession({ connectorId: 'OSL-GRO-01-2', amountOre: 35000 });
    const refused = await asStaff(`/sessions/${s.sessionId}/stop`, {});
    expect(refused.status).toBe(409);
    expect((await refused.json()).detail).toMatch(/awaiting payment/);
  });

  it("shows a station's details: vendor, model and firmware from BootNotification", async () => {
    const res = await fetch(`${pp.url}/api/operator/stations/oslo-gronland/details`, { headers: { cookie: staff.cookie } });
    expect(res.status).toBe(200);
    const d = await res.json();
    expect(d.chargers[0]).toMatchObject({ id: 'OSL-GRO-01', online: true });
    expect(d.chargers[0].vendor).toBeTruthy();
    expect(d.chargers[0].model).toBeTruthy();
    expect((await fetch(`${pp.url}/api/operator/stations/nowhere/details`, { headers: { cookie: staff.cookie } })).status).toBe(404);
  });
});
