/**
 * The daily charge against a real store and a fake Recurring (the membership port): one charge per
 * member per day however often it runs, never above the limit, and a debt whenever the money
 * cannot be taken by the agreement.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aTariff } from '../../tests/helpers/builders.js';
import { freshDb } from '../../tests/helpers/db.js';
import { silentLogger } from '../log.js';
import type { AgreementSnapshot, DailyChargeSnapshot, MembershipPort, NewDailyCharge } from '../payments/membership-port.js';
import { seedDemo } from '../sim/demo.js';
import type { Db } from '../store/db.js';
import { MemberRepository, type AgreementState } from '../store/member-repository.js';
import { SessionRepository } from '../store/session-repository.js';
import { DailyCharges } from './daily-charges.js';

const OSLO = 'Europe/Oslo';
const DAY1 = '2026-12-01';

/** Recurring as a fake: remembers charges by idempotency key, as the real API does (RECD). */
class FakeRecurring implements MembershipPort {
  charges = new Map<string, { id: string; agreementId: string; c: NewDailyCharge; state: DailyChargeSnapshot['state']; failureReason?: string }>();
  receipts = new Map<string, number>();
  agreementState: AgreementSnapshot['state'] = 'active';
  refuseCreate = false;
  async draftAgreement(): Promise<never> {
    throw new Error('not used');
  }
  async getAgreement(id: string): Promise<AgreementSnapshot> {
    return { id, state: this.agreementState, suggestedMaxOre: 150000, maxOre: 150000 };
  }
  async stopAgreement(): Promise<void> {}
  async changeSuggestedMax(): Promise<void> {}
  async createDailyCharge(agreementId: string, c: NewDailyCharge): Promise<string> {
    if (this.refuseCreate) throw Object.assign(new Error('agreement not active'), { status: 400 });
    const known = this.charges.get(c.idempotencyKey);
    if (known) return known.id;
    const id = `c-${c.idempotencyKey}`;
    this.charges.set(c.idempotencyKey, { id, agreementId, c, state: 'waiting' });
    return id;
  }
  async getDailyCharge(_a: string, chargeId: string): Promise<DailyChargeSnapshot> {
    const ch = [...this.charges.values()].find((x) => x.id === chargeId)!;
    return { id: ch.id, state: ch.state, amountOre: ch.c.amountOre, capturedOre: ch.state === 'charged' ? ch.c.amountOre : 0, ...(ch.failureReason ? { failureReason: ch.failureReason } : {}) };
  }
  async sendChargeReceipt(chargeId: string): Promise<'sent' | 'already-sent'> {
    this.receipts.set(chargeId, (this.receipts.get(chargeId) ?? 0) + 1);
    return this.receipts.get(chargeId)! > 1 ? 'already-sent' : 'sent';
  }
  settle(state: DailyChargeSnapshot['state'], failureReason?: string) {
    for (const ch of this.charges.values()) Object.assign(ch, { state, failureReason });
  }
}

describe('the daily charge', () => {
  let db: Db;
  let vipps: FakeRecurring;
  let daily: DailyCharges;
  const members = new MemberRepository();
  const sessions = new SessionRepository();
  let now = new Date('2026-12-02T00:30:00Z');

  // One store for all cases (seeding hashes charger passwords, which is slow); members differ per case.
  beforeAll(async () => {
    db = await freshDb();
    await seedDemo(db);
  });
  afterAll(() => db.close());

  beforeEach(async () => {
    // Earlier cases' charges are final or refer to an earlier fake: only this case's are open.
    await db.query(`update member_charges set status = 'cancelled' where status in ('planned','created')`);
    vipps = new FakeRecurring();
    now = new Date('2026-12-02T00:30:00Z');
    daily = new DailyCharges({ db, members, membership: vipps, clock: { now: () => now }, logger: silentLogger, settings: { timeZone: OSLO, dueDays: 1, retryDays: 2 } });
  });

  async function aMember(id: string, agreement: AgreementState = 'active', limitOre = 150000) {
    await members.upsert(db, { id, sub: `sub-${id}`, createdAt: now });
    await members.insertAgreement(db, { id: `agr_${id}`, memberId: id, status: agreement, suggestedMaxOre: limitOre, maxOre: limitOre, createdAt: now });
  }

  /** A completed member session on the demo connector OSL-GRO-01-1. */
  async function aSession(memberId: string, id: string, stoppedAt: string, costOre: number) {
    const s = await sessions.insert(db, {
      id,
      tokenHash: 'x',
      connectorId: 'OSL-GRO-01-1',
      chargerId: 'OSL-GRO-01',
      connectorNo: 1,
      state: 'awaiting_payment',
      paymentReference: `member-${id}`,
      idTag: `PP${id}`,
      reservedOre: 150000,
      tariff: aTariff(),
      energyWh: 0,
      powerW: 0,
      billing: 'membership',
      memberId,
      createdAt: new Date(stoppedAt)
    });
    await sessions.update(db, { ...s, state: 'completed', startedAt: new Date(Date.parse(stoppedAt) - 3600_000), stoppedAt: new Date(stoppedAt), energyWh: 20000, costOre, captureOre: costOre }, new Date(stoppedAt));
  }

  it('makes one charge of a member’s day, however often it runs, with one receipt', async () => {
    await aMember('aaaaaaaaaaaa');
    await aSession('aaaaaaaaaaaa', 's00000000001', '2026-12-01T08:00:00Z', 10000);
    await aSession('aaaaaaaaaaaa', 's00000000002', '2026-12-01T16:00:00Z', 12345);
    const first = await daily.run();
    expect(first).toMatchObject({ date: DAY1, planned: ['d-aaaaaaaaaaaa-2026-12-01'] });
    await daily.run();
    await daily.run(DAY1);
    expect(vipps.charges.size).toBe(1);
    const [[key, ch]] = [...vipps.charges];
    expect(key).toBe('d-aaaaaaaaaaaa-2026-12-01');
    expect(ch!.c).toMatchObject({ amountOre: 22345, due: '2026-12-03', retryDays: 2, description: 'Charging Tue 1 Dec: 2 sessions, 40,0 kWh' });
    expect(vipps.receipts.get(ch!.id)).toBe(1);
    vipps.settle('charged');
    await daily.advance();
    expect((await members.chargesOf(db, 'aaaaaaaaaaaa')).map((c) => c.status)).toEqual(['charged']);
  });

  it('repeats a create whose answer was lost with the same key, and gets the same charge', async () => {
    await aMember('bbbbbbbbbbbb');
    await aSession('bbbbbbbbbbbb', 's00000000003', '2026-12-01T08:00:00Z', 5000);
    vipps.refuseCreate = false;
    // The first create reaches Vipps, but plugpay dies before it stores the answer.
    const lost = await vipps.createDailyCharge('agr_bbbbbbbbbbbb', { amountOre: 5000, description: 'x', due: '2026-12-03', retryDays: 2, idempotencyKey: 'd-bbbbbbbbbbbb-2026-12-01' });
    await daily.run();
    expect(vipps.charges.size).toBe(1);
    expect((await members.chargesOf(db, 'bbbbbbbbbbbb'))[0]).toMatchObject({ status: 'created', vippsChargeId: lost });
  });

  it.each<[string, string, () => void, string]>([
    ['a failed charge is owed', 'cccccccccccc', () => vipps.settle('failed', 'user_action_required'), 'user_action_required'],
    ['a cancelled charge is owed too', 'cccccccccccd', () => vipps.settle('cancelled'), 'charge_cancelled']
  ])('%s', async (_n, member, outcome, reason) => {
    await aMember(member);
    await aSession(member, `s-${member}`, '2026-12-01T08:00:00Z', 5000);
    await daily.run();
    outcome();
    await daily.onNotification({ event: 'recurring.charge-failed.v1', agreementId: `agr_${member}`, chargeId: `c-d-${member}-2026-12-01` });
    expect((await members.chargesOf(db, member))[0]).toMatchObject({ status: 'failed', failureReason: reason });
  });

  it('sends nothing for a stopped agreement, or above the limit: the day is owed', async () => {
    await aMember('dddddddddddd', 'stopped');
    await aSession('dddddddddddd', 's00000000005', '2026-12-01T08:00:00Z', 5000);
    await aMember('eeeeeeeeeeee', 'active', 10000);
    await aSession('eeeeeeeeeeee', 's00000000006', '2026-11-30T08:00:00Z', 60);
    await aSession('eeeeeeeeeeee', 's00000000007', '2026-12-01T08:00:00Z', 9990);
    await daily.run();
    expect(vipps.charges.size).toBe(0);
    expect((await members.chargesOf(db, 'dddddddddddd'))[0]).toMatchObject({ status: 'failed', failureReason: 'agreement_not_active' });
    expect((await members.chargesOf(db, 'eeeeeeeeeeee'))[0]).toMatchObject({ status: 'failed', failureReason: 'above_limit', amountOre: 10050 });
  });

  it('turns a create refused because the agreement was stopped meanwhile into a debt', async () => {
    await aMember('ffffffffffff');
    await aSession('ffffffffffff', 's00000000008', '2026-12-01T08:00:00Z', 5000);
    vipps.refuseCreate = true;
    vipps.agreementState = 'stopped';
    await daily.run();
    expect((await members.chargesOf(db, 'ffffffffffff'))[0]).toMatchObject({ status: 'failed', failureReason: 'agreement_not_active' });
  });

  it('leaves a session of today for tomorrow', async () => {
    await aMember('aaaaaaaaaaab');
    await aSession('aaaaaaaaaaab', 's00000000009', '2026-12-01T23:10:00Z', 5000); // 00:10 on 2 December in Oslo
    expect((await daily.run()).planned).toEqual([]);
    now = new Date('2026-12-03T00:30:00Z');
    expect((await daily.run()).planned).toEqual(['d-aaaaaaaaaaab-2026-12-02']);
  });
});
