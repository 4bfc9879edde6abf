/**
 * Pay-as-you-go, the whole way over real HTTP against a whole plugpay and its sandbox: sign in
 * with Vipps Login, accept a variable daily agreement, charge twice without reserving, move the
 * clocks a day on, let the daily job run, and find ONE captured charge at the sandbox whose
 * receipt lists both sessions. Then: a rerun charges nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { demoChargers } from '../server/sim/demo.js';
import { MemberAgent, movableClock, sandboxApis } from './helpers/member.js';
import { eventually, startTestPlugpay, type TestPlugpay } from './helpers/plugpay.js';

const DAY = 86_400_000;
const clock = movableClock();
let pp: TestPlugpay;

beforeAll(async () => {
  // The daily run at 00:00 local: any tick after the clock moved a day runs yesterday's charge.
  pp = await startTestPlugpay({ MEMBER_SCHEDULER: 'false', MEMBER_DAILY_CHARGE_TIME: '00:00' }, { clock, pages: false, demoChargers: demoChargers.filter((c) => c.id === 'OSL-GRO-01') });
}, 120_000);

afterAll(async () => {
  await pp?.stop();
});

describe('a member', () => {
  it('signs up with Login, charges twice, and pays once the next day with a receipt of both sessions', async () => {
    const m = new MemberAgent(pp);
    expect((await m.json('/api/member/me')).status).toBe(401);
    await m.signIn(0);
    const me = await m.json('/api/member/me');
    expect(me.body).toMatchObject({ member: { name: 'Kari Nordmann', phoneNumber: '4791234567' }, blocked: { reason: 'no-agreement' } });
    await m.becomeMember(150000);
    expect((await m.json('/api/member/me')).body.agreement).toMatchObject({ state: 'active', limitOre: 150000 });

    // A fast charger, so each session costs a few kroner within seconds (a charge is at least 1 kr).
    await pp.addCharger('MEM-A', { connectors: [{ maxPowerW: 350000 }], car: { maxPowerW: 350000, capacityKWh: 100, startSocPercent: 10 } });
    const first = await m.chargeOnce('MEM-A-1', 400);
    const second = await m.chargeOnce('MEM-A-1', 400);
    const today = await m.json('/api/member/me');
    expect(today.body.today.usedOre).toBeGreaterThan(0);
    expect(today.body.charges).toEqual([]);

    // Nothing was reserved for either session.
    await expect(pp.sandboxPayment(`member-${first}`)).rejects.toThrow();

    // The next day: the scheduler runs yesterday's charge.
    clock.advance(DAY);
    await pp.membership.scheduler.tick();
    const planned = (await m.json('/api/member/me')).body.charges;
    expect(planned).toHaveLength(1);
    expect(planned[0].lines.map((l: { id: string }) => l.id).sort()).toEqual([first, second].sort());
    expect(planned[0].amountOre).toBe(today.body.today.usedOre);

    // At Vipps: one charge, DIRECT_CAPTURE, due tomorrow, with the receipt.
    const vipps = sandboxApis(pp);
    const row = await pp.db.query<{ agreement_id: string; vipps_charge_id: string; status: string }>('select agreement_id, vipps_charge_id, status from member_charges');
    expect(row.rows).toHaveLength(1);
    const { agreement_id: agreementId, vipps_charge_id: chargeId } = row.rows[0]!;
    const before = await vipps.recurring.getCharge(agreementId, chargeId);
    expect(before).toMatchObject({ status: 'DUE', amount: planned[0].amountOre });
    const order = await vipps.orderManagement.getOrder('RECURRING', chargeId);
    expect(order.receipt!.orderLines.map((l) => l.id).sort()).toEqual([first, second].sort());

    // Vipps takes the money on the due date (the sandbox's day clock); plugpay learns it.
    pp.sandbox!.advanceRecurringClock(2 * DAY);
    await eventually(async () => {
      await pp.membership.scheduler.tick();
      return (await m.json('/api/member/me')).body.charges[0].state === 'charged';
    }, 15_000, 'charge captured');
    expect(await vipps.recurring.getCharge(agreementId, chargeId)).toMatchObject({ status: 'CHARGED', summary: { captured: planned[0].amountOre } });

    // A rerun of the same day, and the operator's on-demand run, charge nothing twice.
    await pp.membership.daily.run(planned[0].date);
    const run = await m.json('/api/member/admin/daily-run', 'POST', { date: planned[0].date });
    expect(run.status).toBe(200);
    expect(run.body.planned).toEqual([]);
    expect((await pp.db.query('select * from member_charges')).rows).toHaveLength(1);
  }, 180_000);

  it('is refused bad input and a forged cookie without changing anything', async () => {
    const m = new MemberAgent(pp);
    expect((await m.fetch('/api/member/me', { headers: { cookie: 'pp_member=abcdefabcdef.9999999999.forged' } })).status).toBe(401);
    await m.signIn(1);
    expect((await m.json('/api/member/agreement', 'POST', { limitOre: 50 })).status).toBe(400);
    expect((await m.json('/api/member/agreement', 'POST', { limitOre: 'lots' })).status).toBe(400);
    expect((await m.json('/api/member/sessions', 'POST', { connectorId: 'MEM-A-1' })).status).toBe(403);
    expect((await m.fetch('/api/member/agreement', { method: 'POST', body: '{"limitOre":150000}', headers: { 'content-type': 'application/json', origin: 'https://evil.example' } })).status).toBe(403);
    expect((await m.fetch('/api/member/login/callback?code=x&state=y')).status).toBe(400);
  });

  it('who stops the agreement in the app, unbeknown to plugpay, still owes the day: the refused charge becomes a debt', async () => {
    const m = new MemberAgent(pp);
    await m.signIn(1);
    await m.becomeMember(150000, '1500', 1);
    await pp.addCharger('MEM-B', { connectors: [{ maxPowerW: 350000 }], car: { maxPowerW: 350000, capacityKWh: 100, startSocPercent: 10 } });
    const session = await m.chargeOnce('MEM-B-1', 400);

    // The member stops the agreement in the app; the webhook is lost, and nobody looks.
    pp.sandbox!.faults.webhooks('drop', 1);
    const agreement = (await pp.db.query<{ id: string; confirmation_url: string }>(`select a.id, a.confirmation_url from member_agreements a join members m on m.id = a.member_id where m.phone_number = '4798765432'`)).rows[0]!;
    const url = new URL(agreement.confirmation_url);
    const stop = await m.fetch(`${url.pathname}/stop`, { method: 'POST', body: new URLSearchParams({ token: url.searchParams.get('token')! }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(stop.status).toBe(200);
    expect((await pp.db.query<{ status: string }>('select status from member_agreements where id = $1', [agreement.id])).rows[0]!.status).toBe('active');

    clock.advance(DAY);
    await pp.membership.scheduler.tick();
    const me = (await m.json('/api/member/me')).body;
    expect(me.charges).toHaveLength(1);
    expect(me.charges[0]).toMatchObject({ state: 'failed', failureReason: 'agreement_not_active' });
    expect(me.charges[0].lines.map((l: { id: string }) => l.id)).toEqual([session]);
    expect(me.agreement.state).toBe('stopped');
    expect(me.blocked).toMatchObject({ reason: 'agreement-ended' });
  }, 120_000);

  it('who retries a limit change Vipps made but never answered sends it again under the same Idempotency-Key', async () => {
    const m = new MemberAgent(pp);
    await m.signIn(2);
    await m.becomeMember(150000, '1500', 2);
    const agreementId = (await pp.db.query<{ id: string }>(`select a.id from member_agreements a join members m on m.id = a.member_id where m.phone_number = '4790000000'`)).rows[0]!.id;
    const vipps = sandboxApis(pp);
    const suggested = async () => (await vipps.recurring.getAgreement(agreementId)).pricing.suggestedMaxAmount;

    // Vipps changes the limit, but every answer to the PATCH is lost on the way back (the client's
    // own retries included): plugpay cannot tell it was made, and the member sees an error.
    const realFetch = globalThis.fetch;
    const sent: string[] = [];
    let loseAnswers = true;
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const res = await realFetch(input, init);
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      if (init?.method === 'PATCH' && url.pathname.endsWith(`/recurring/v3/agreements/${agreementId}`)) {
        sent.push(new Headers(init.headers).get('idempotency-key') ?? '');
        if (loseAnswers) throw new TypeError('fetch failed (the answer was lost)');
      }
      return res;
    });
    try {
      expect((await m.json('/api/member/agreement/limit', 'PUT', { limitOre: 120000 })).status).toBe(502);
      expect(await suggested()).toBe(120000);
      expect(sent.length).toBeGreaterThan(0);

      // A minute later the member tries again, and this time the answer arrives.
      loseAnswers = false;
      clock.advance(60_000);
      const retried = await m.json('/api/member/agreement/limit', 'PUT', { limitOre: 120000 });
      expect(retried.status).toBe(200);
      expect(retried.body.agreement).toMatchObject({ suggestedMaxOre: 120000 });
    } finally {
      spy.mockRestore();
    }
    // One change, one key: every PATCH carried it, and the sandbox holds one record of it.
    expect(new Set(sent).size).toBe(1);
    const patches = Object.keys(pp.sandbox!.state.idempotency).filter((k) => k.includes('|PATCH ') && k.includes(`/recurring/v3/agreements/${agreementId}|`));
    expect(patches).toHaveLength(1);

    // Back and forth to the same limit: each change is a change of its own, and each one is made,
    // even when the clock gives every one of them the same instant.
    clock.freeze();
    try {
      for (const limitOre of [150000, 120000, 150000, 120000]) {
        expect((await m.json('/api/member/agreement/limit', 'PUT', { limitOre })).status).toBe(200);
        expect(await suggested()).toBe(limitOre);
      }
    } finally {
      clock.unfreeze();
    }
  }, 60_000);
});
