/**
 * The daily charge: each member's finished sessions of a local day become ONE Recurring charge
 * (DIRECT_CAPTURE, due the next day, retryDays 2) with a receipt that lists every session.
 *
 * Crash safety, in three durable steps, each safe to repeat:
 *  1. plan: the charge row and the tie of each session to it are written in one transaction; the
 *     row's key is member + date (unique), so a rerun of the day plans nothing twice and no
 *     session can be in two charges;
 *  2. create: the charge is created at Vipps with the row's id as Idempotency-Key, so a repeat
 *     after a crash (before or after Vipps answered) gets the same charge back (RECD);
 *  3. receipt and outcome: the receipt is sent once (a repeat is "already sent"); the outcome is
 *     read back from Vipps (webhooks only say where to look) until it is final.
 * `advance` runs steps 2 and 3 for every charge not final yet; the scheduler calls it on every tick
 * and after a restart, so a kill -9 anywhere leaves work that the next tick finishes.
 */
import { addDays, agreementLimit, localDate, planDailyCharge } from '../domain/daily-charge.js';
import type { Logger } from '../log.js';
import type { MembershipNotification, MembershipPort } from '../payments/membership-port.js';
import type { Clock } from '../sessions/ports.js';
import type { Db } from '../store/db.js';
import type { MemberChargeRecord, MemberRepository } from '../store/member-repository.js';

export interface DailyChargeSettings {
  timeZone: string;
  /** `due` is the run's local date plus this many days (Recurring: at least 1 in test, 2 in production). */
  dueDays: number;
  /** Days Vipps keeps trying after `due` (RECD recommends at least 2). */
  retryDays: number;
}

export interface DailyRunReport {
  date: string;
  planned: string[];
  skipped: Array<{ memberId: string; reason: string }>;
}

export class DailyCharges {
  constructor(
    private readonly deps: {
      db: Db;
      members: MemberRepository;
      membership: MembershipPort;
      clock: Clock;
      logger: Logger;
      settings: DailyChargeSettings;
      /** Called when an agreement webhook arrives (the member service reads it back). */
      onAgreementHint?: (agreementId: string) => Promise<unknown>;
    }
  ) {}

  /** The row id (and Idempotency-Key) of a member's charge for a day: ≤ 40 characters, no `/`. */
  static chargeKey(memberId: string, date: string): string {
    return `d-${memberId}-${date}`;
  }

  /** Plans the charges for `date` (default: yesterday, local), then creates what was planned. */
  async run(date?: string): Promise<DailyRunReport> {
    const now = this.deps.clock.now();
    const today = localDate(now, this.deps.settings.timeZone);
    const day = date ?? addDays(today, -1);
    const report: DailyRunReport = { date: day, planned: [], skipped: [] };
    for (const memberId of await this.deps.members.membersWithUnbilled(this.deps.db)) {
      try {
        const planned = await this.plan(memberId, day, today);
        if (planned.kind === 'planned') report.planned.push(planned.id);
        else report.skipped.push({ memberId, reason: planned.reason });
      } catch (err) {
        this.deps.logger.error({ err, memberId, date: day }, 'could not plan a daily charge');
        report.skipped.push({ memberId, reason: 'error' });
      }
    }
    this.deps.logger.info({ date: day, planned: report.planned.length, skipped: report.skipped.length }, 'daily charges planned');
    await this.advance();
    return report;
  }

  /** Step 1: one transaction writes the charge row and ties its sessions to it. */
  private async plan(memberId: string, day: string, today: string): Promise<{ kind: 'planned'; id: string } | { kind: 'skipped'; reason: string }> {
    return this.deps.db.transaction(async (tx) => {
      const agreement = await this.deps.members.currentAgreement(tx, memberId, { lock: true });
      if (!agreement) return { kind: 'skipped', reason: 'no agreement' };
      const unbilled = await this.deps.members.unbilledSessions(tx, memberId);
      const plan = planDailyCharge(
        day,
        unbilled.map((s) => ({ id: s.id, stoppedAt: s.stoppedAt!, startedAt: s.startedAt, energyWh: s.energyWh, costOre: s.costOre ?? 0, vatRateBp: s.vatRateBp, place: s.place })),
        this.deps.settings.timeZone
      );
      if (plan.kind === 'nothing') return { kind: 'skipped', reason: plan.reason };
      const id = DailyCharges.chargeKey(memberId, day);
      const row = await this.deps.members.planCharge(
        tx,
        {
          id,
          memberId,
          agreementId: agreement.id,
          chargeDate: day,
          amountOre: plan.charge.amountOre,
          description: plan.charge.description,
          due: addDays(today, this.deps.settings.dueDays),
          lines: plan.charge.lines,
          createdAt: this.deps.clock.now()
        },
        plan.charge.sessionIds
      );
      if (!row) return { kind: 'skipped', reason: 'already charged for this day' };
      // A stopped agreement takes no charges: the sessions already run are owed, and paid another way.
      if (agreement.status !== 'active') {
        await this.deps.members.updateCharge(tx, id, { status: 'failed', failureReason: 'agreement_not_active' }, this.deps.clock.now());
      } else if (plan.charge.amountOre > agreementLimit({ suggestedMaxAmountOre: agreement.suggestedMaxOre, maxAmountOre: agreement.maxOre })) {
        // Never above the agreed limit (sessions carried over from a day below the minimum, or one
        // that ran past midnight, can add up to more): the member pays this day another way.
        this.deps.logger.warn({ chargeId: id, amountOre: plan.charge.amountOre }, 'a day above the agreement limit: left for a one-off payment');
        await this.deps.members.updateCharge(tx, id, { status: 'failed', failureReason: 'above_limit' }, this.deps.clock.now());
      }
      return { kind: 'planned', id };
    });
  }

  /** Steps 2 and 3 for every charge that is not final. */
  async advance(): Promise<void> {
    for (const c of await this.deps.members.chargesIn(this.deps.db, ['planned', 'created'])) {
      try {
        await this.advanceOne(c);
      } catch (err) {
        this.deps.logger.warn({ err, chargeId: c.id }, 'daily charge step failed; retried on the next tick');
      }
    }
  }

  private async advanceOne(c: MemberChargeRecord): Promise<void> {
    let vippsId = c.vippsChargeId;
    if (c.status === 'planned') {
      try {
        vippsId = await this.deps.membership.createDailyCharge(c.agreementId, {
          amountOre: c.amountOre,
          description: c.description,
          due: c.due,
          retryDays: this.deps.settings.retryDays,
          idempotencyKey: c.id
        });
      } catch (err) {
        // Refused for good (4xx): if the agreement was stopped meanwhile, the sessions are owed and
        // paid another way; otherwise the refusal stays visible in the log and is tried again.
        const status = (err as { status?: number }).status;
        if (status !== undefined && status >= 400 && status < 500 && status !== 409 && status !== 429) {
          const a = await this.deps.membership.getAgreement(c.agreementId);
          if (a.state !== 'active') {
            await this.deps.members.updateCharge(this.deps.db, c.id, { status: 'failed', failureReason: 'agreement_not_active' }, this.deps.clock.now());
            await this.deps.onAgreementHint?.(c.agreementId);
            return;
          }
        }
        throw err;
      }
      await this.deps.members.updateCharge(this.deps.db, c.id, { status: 'created', vippsChargeId: vippsId }, this.deps.clock.now());
      this.deps.logger.info({ chargeId: c.id, vippsChargeId: vippsId, amountOre: c.amountOre }, 'daily charge created');
    }
    if (!c.receiptSent) {
      await this.deps.membership.sendChargeReceipt(vippsId!, { lines: c.lines, receiptNumber: c.id });
      await this.deps.members.updateCharge(this.deps.db, c.id, { receiptSent: true }, this.deps.clock.now());
    }
    await this.followOutcome({ ...c, vippsChargeId: vippsId, status: 'created' });
  }

  /** Reads the charge back from Vipps and stores a final outcome (the one path for webhooks and polling). */
  private async followOutcome(c: MemberChargeRecord): Promise<void> {
    const snap = await this.deps.membership.getDailyCharge(c.agreementId, c.vippsChargeId!);
    if (snap.state === 'waiting') return;
    // Cancelled (the agreement was stopped before the charge was due): the sessions are still
    // owed, so it counts as a failed charge the member pays another way.
    const status = snap.state === 'charged' || snap.state === 'refunded' ? 'charged' : 'failed';
    const failureReason = snap.state === 'cancelled' ? 'charge_cancelled' : snap.failureReason;
    await this.deps.db.transaction(async (tx) => {
      const row = await this.deps.members.charge(tx, c.id, { lock: true });
      if (!row || row.status !== 'created') return;
      await this.deps.members.updateCharge(tx, c.id, { status, ...(status === 'failed' ? { failureReason: failureReason ?? 'failed' } : {}) }, this.deps.clock.now());
    });
    this.deps.logger.info({ chargeId: c.id, status, failureReason }, 'daily charge outcome');
  }

  /** A Recurring webhook: a hint of which charge or agreement to read back. */
  async onNotification(n: MembershipNotification): Promise<void> {
    if (n.chargeId) {
      const c = await this.deps.members.chargeByVippsId(this.deps.db, n.chargeId);
      if (c && c.status === 'created') await this.followOutcome(c);
      return;
    }
    await this.deps.onAgreementHint?.(n.agreementId);
  }
}
