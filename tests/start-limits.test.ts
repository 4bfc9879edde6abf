/**
 * One device may hold two unapproved reservations, whichever door it uses: the JSON API and the
 * landing page's form share one count. Before the form obeyed it, a script posting the form
 * could hold every connector of a hub.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoChargers } from '../server/sim/demo.js';
import { eventually, startTestPlugpay, type TestPlugpay } from './helpers/plugpay.js';

let pp: TestPlugpay;
const connectors = ['OSL-AKB-01-1', 'OSL-AKB-01-2', 'BGO-BRY-01-1', 'BGO-BRY-01-2'];

beforeAll(async () => {
  pp = await startTestPlugpay({}, { demoChargers: demoChargers.filter((c) => c.id === 'OSL-AKB-01' || c.id === 'BGO-BRY-01') });
  for (const id of connectors) {
    await eventually(async () => (await pp.charging.connectorView(id))?.available, 15_000, `${id} available`);
  }
}, 60_000);
afterAll(async () => pp?.stop());

const sessions = async () => (await pp.db.query<{ n: number }>(`select count(*)::int as n from charging_sessions`)).rows[0].n;

const reserveByForm = (connectorId: string) =>
  fetch(`${pp.url}/c/${connectorId}?/reserve`, {
    method: 'POST',
    body: 'preset=35000',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: pp.url, accept: 'text/html' }
  });

const reserveByApi = (connectorId: string) =>
  fetch(`${pp.url}/api/sessions`, {
    method: 'POST',
    body: JSON.stringify({ connectorId, amountOre: 35000 }),
    headers: { 'content-type': 'application/json', origin: pp.url }
  });

describe('unapproved reservations per device', () => {
  it('are capped at two across the API and the landing form, and one approved frees its place', async () => {
    const before = await sessions();
    const first = await reserveByApi(connectors[0]);
    expect(first.status).toBe(201);
    const { sessionId } = (await first.json()) as { sessionId: string };
    expect((await reserveByForm(connectors[1])).status).toBe(303);

    const third = await reserveByForm(connectors[2]);
    expect(third.status).toBe(429);
    expect(await third.text()).toMatch(/already has reservations waiting for approval/);
    expect((await reserveByApi(connectors[3])).status).toBe(429);
    expect(await sessions()).toBe(before + 2);
    expect((await pp.charging.connectorView(connectors[2]))?.available).toBe(true);

    // The driver approves the first in the app: it no longer awaits approval, and the device may
    // reserve again at once (a rejected, expired or abandoned one frees its place the same way).
    await pp.sandboxApprove(`plugpay-${sessionId}`);
    await pp.charging.pollPayment(sessionId);
    expect((await reserveByForm(connectors[2])).status).toBe(303);
    expect(await sessions()).toBe(before + 3);
  });
});
