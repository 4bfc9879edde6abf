/**
 * Pay-as-you-go membership, the application service: sign-in (a member found by Login's `sub`),
 * the Recurring agreement (draft, follow, change the limit, end), the start of a member session
 * under the day's limit, and what the member's page shows. The daily charge is daily-charges.ts.
 *
 * An agreement's state is learned in one idempotent way, `syncAgreement`: read back from Vipps and
 * stored. The agreement webhooks, the member's return from the app and the page's polling all
 * call it, so duplicates and races are harmless (webhooks are hints, as for payments).
 */
import { createHash, randomBytes } from 'node:crypto';
import { agreementLimit, localDate, startVerdict } from '../domain/daily-charge.js';
import type { Logger } from '../log.js';
import type { SignedInUser } from '../payments/login-port.js';
import type { MembershipPort } from '../payments/membership-port.js';
import type { PaymentPort } from '../payments/port.js';
import { ServiceError } from '../sessions/session-core.js';
import type { Clock } from '../sessions/ports.js';
import type { Db } from '../store/db.js';
import type { AgreementRecord, MemberChargeRecord, MemberRecord, MemberRepository } from '../store/member-repository.js';

export interface MembershipSettings {
  publicUrl: string;
  timeZone: string;
  limitPresetsOre: number[];
  limitDefaultOre: number;
  productName: string;
}

export interface MemberView {
  member: { name?: string; phoneNumber?: string };
  agreement?: { state: AgreementRecord['status']; limitOre: number; suggestedMaxOre: number; maxOre?: number; confirmationUrl?: string };
  today: { date: string; usedOre: number; running: number; limitOre: number };
  /** Why a start is refused now, if it is: the page offers the ways on. */
  blocked?: { reason: 'no-agreement' | 'agreement-pending' | 'agreement-ended' | 'debt' | 'limit-reached'; detail: string; debtOre?: number };
  presetsOre: number[];
  defaultLimitOre: number;
  charges: Array<{
    id: string;
    date: string;
    amountOre: number;
    description: string;
    state: MemberChargeRecord['status'];
    failureReason?: string;
    lines: Array<{ id: string; name: string; totalOre: number; vatOre: number; quantity?: string }>;
  }>;
}

const ACTIVE_SWEEP_MS = 10 * 60_000;

/** Sessions that starting with less than this left would stop at once: the start fee and one kWh. */
const minimumStart = (tariff: { startFeeOre: number; pricePerKwhOre: number }) => tariff.startFeeOre + tariff.pricePerKwhOre;

export interface MemberServiceDeps {
  db: Db;
  members: MemberRepository;
  membership: MembershipPort;
  payments: Pick<PaymentPort, 'reserve' | 'getReservation' | 'capture' | 'cancel'>;
  charging: {
    startMemberSession(input: { connectorId: string; memberId: string; budgetOre: number }): Promise<{ sessionId: string; token: string }>;
    connectorView(connectorId: string): Promise<{ tariff?: { startFeeOre: number; pricePerKwhOre: number } | null } | null>;
  };
  clock: Clock;
  logger: Logger;
  settings: MembershipSettings;
}

export class MemberService {
  constructor(private readonly deps: MemberServiceDeps) {}

  /** Creates the member, or finds it again by `sub`. */
  async signIn(user: SignedInUser): Promise<MemberRecord> {
    const m = await this.deps.members.upsert(this.deps.db, {
      id: randomBytes(6).toString('hex'),
      sub: user.sub,
      name: user.name,
      phoneNumber: user.phoneNumber,
      createdAt: this.deps.clock.now()
    });
    this.deps.logger.info({ memberId: m.id }, 'member signed in');
    return m;
  }

  async member(memberId: string): Promise<MemberRecord> {
    const m = await this.deps.members.find(this.deps.db, memberId);
    if (!m) throw new ServiceError(403, 'Sign in again.');
    return m;
  }

  /** Drafts the agreement (VARIABLE, daily) and returns where the member accepts it. */
  async join(memberId: string, limitOre: number): Promise<{ confirmationUrl: string }> {
    const m = await this.member(memberId);
    this.checkLimit(limitOre);
    const current = await this.deps.members.currentAgreement(this.deps.db, memberId);
    if (current?.status === 'active') throw new ServiceError(409, 'You are already a member.');
    if (current?.status === 'pending' && current.confirmationUrl) {
      const fresh = await this.syncAgreement(current.id);
      if (fresh.status === 'pending') return { confirmationUrl: current.confirmationUrl };
    }
    const n = await this.deps.members.agreementsIn(this.deps.db, ['pending', 'active', 'stopped', 'expired']).then((all) => all.filter((a) => a.memberId === memberId).length);
    const page = `${this.deps.settings.publicUrl}/member`;
    const r = await this.deps.membership
      .draftAgreement({
        suggestedMaxOre: limitOre,
        phoneNumber: m.phoneNumber,
        productName: this.deps.settings.productName,
        redirectUrl: `${page}?from=app`,
        agreementUrl: page,
        idempotencyKey: `agr-${memberId}-${n + 1}`
      })
      .catch((err) => {
        this.deps.logger.error({ err, memberId }, 'could not draft the agreement');
        throw new ServiceError(502, 'Vipps MobilePay could not be reached. Please try again.', { cause: err });
      });
    await this.deps.members.insertAgreement(this.deps.db, {
      id: r.agreementId,
      memberId,
      status: 'pending',
      suggestedMaxOre: limitOre,
      confirmationUrl: r.confirmationUrl,
      createdAt: this.deps.clock.now()
    });
    return { confirmationUrl: r.confirmationUrl };
  }

  /** Reads the agreement back from Vipps and stores what it says (webhook, return, polling). */
  async syncAgreement(agreementId: string): Promise<AgreementRecord> {
    const snap = await this.deps.membership.getAgreement(agreementId);
    return this.deps.db.transaction(async (tx) => {
      const row = await this.deps.members.agreement(tx, agreementId, { lock: true });
      if (!row) throw new ServiceError(404, 'No such agreement.');
      if (row.status === snap.state && row.suggestedMaxOre === snap.suggestedMaxOre && row.maxOre === snap.maxOre) return row;
      const at = this.deps.clock.now();
      await this.deps.members.updateAgreement(tx, agreementId, { status: snap.state, suggestedMaxOre: snap.suggestedMaxOre, maxOre: snap.maxOre }, at);
      this.deps.logger.info({ agreementId, from: row.status, to: snap.state }, 'agreement changed');
      return { ...row, status: snap.state, suggestedMaxOre: snap.suggestedMaxOre, maxOre: snap.maxOre, updatedAt: at, version: row.version + 1 };
    });
  }

  private lastActiveSweep = 0;

  /**
   * The poll beside the webhooks: agreements waiting for the member on every call, active ones (a
   * stop made in the app) at most every ten minutes, within Recurring's FetchAgreement rate limit.
   */
  async syncOpenAgreements(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const sweep = now - this.lastActiveSweep >= ACTIVE_SWEEP_MS;
    if (sweep) this.lastActiveSweep = now;
    for (const a of await this.deps.members.agreementsIn(this.deps.db, sweep ? ['pending', 'active'] : ['pending'])) {
      await this.syncAgreement(a.id).catch((err) => this.deps.logger.warn({ err, agreementId: a.id }, 'agreement poll failed'));
    }
  }

  async changeLimit(memberId: string, limitOre: number): Promise<void> {
    this.checkLimit(limitOre);
    const a = await this.deps.members.currentAgreement(this.deps.db, memberId);
    if (!a || a.status !== 'active') throw new ServiceError(409, 'There is no active membership to change.');
    await this.deps.membership.changeSuggestedMax(a.id, limitOre, MemberService.limitChangeKey(a, limitOre)).catch((err) => {
      throw new ServiceError(502, 'Vipps MobilePay could not be reached. Please try again.', { cause: err });
    });
    await this.syncAgreement(a.id);
  }

  /**
   * The Idempotency-Key of a limit change, from what the change is: this agreement, at the
   * version stored (each read-back that stores a change counts it up), from its limit to the new
   * one. A retry of a change Vipps made but whose answer was lost is the same
   * change, so Vipps replays its answer; going back to an earlier limit and forth again (A→B→A→B)
   * starts from another stored version each time, so each is a change of its own.
   */
  static limitChangeKey(a: Pick<AgreementRecord, 'id' | 'version' | 'suggestedMaxOre'>, limitOre: number): string {
    const change = `${a.id}|v${a.version}|${a.suggestedMaxOre}|${limitOre}`;
    // Recurring's keys are at most 40 characters, without #, ?, / or \ (base64url has none).
    return `lim-${createHash('sha256').update(change).digest('base64url').slice(0, 32)}`;
  }

  /** Ends the membership (PATCH STOPPED). Sessions already run are still charged. */
  async end(memberId: string): Promise<void> {
    const a = await this.deps.members.currentAgreement(this.deps.db, memberId);
    if (!a || (a.status !== 'active' && a.status !== 'pending')) throw new ServiceError(409, 'There is no membership to end.');
    await this.deps.membership.stopAgreement(a.id, `stop-${a.id}`.slice(0, 40)).catch((err) => {
      throw new ServiceError(502, 'Vipps MobilePay could not be reached. Please try again.', { cause: err });
    });
    await this.syncAgreement(a.id);
  }

  /** Starts a member session: an active agreement, no debt, and room left under today's limit. */
  async startSession(memberId: string, connectorId: string): Promise<{ sessionId: string; token: string }> {
    const view = await this.view(memberId, { refresh: false });
    if (view.blocked && view.blocked.reason !== 'limit-reached') throw new ServiceError(403, view.blocked.detail);
    const connector = await this.deps.charging.connectorView(connectorId);
    if (!connector?.tariff) throw new ServiceError(404, 'No such connector.');
    const verdict = startVerdict(view.today.usedOre, view.today.limitOre, minimumStart(connector.tariff));
    if (!verdict.ok) {
      throw new ServiceError(403, `Today’s charging has reached your daily limit of ${kr(verdict.limitOre)}. Raise the limit, or pay this session with a one-off reservation.`);
    }
    return this.deps.charging.startMemberSession({ connectorId, memberId, budgetOre: verdict.budgetOre });
  }

  /** What the member's page shows. `refresh` reads a pending agreement back from Vipps first. */
  async view(memberId: string, opts: { refresh: boolean } = { refresh: true }): Promise<MemberView> {
    const m = await this.member(memberId);
    let a = await this.deps.members.currentAgreement(this.deps.db, memberId);
    if (a && opts.refresh && (a.status === 'pending' || a.status === 'active')) {
      a = await this.syncAgreement(a.id).catch((err) => {
        this.deps.logger.warn({ err, agreementId: a!.id }, 'agreement read-back failed');
        return a!;
      });
    }
    if (opts.refresh) await this.collectDebtPayments(memberId);
    const now = this.deps.clock.now();
    const today = localDate(now, this.deps.settings.timeZone);
    const sessions = await this.deps.members.sessions(this.deps.db, memberId, new Date(now.getTime() - 48 * 3600_000));
    const live = sessions.filter((s) => ['awaiting_payment', 'starting', 'charging', 'stopping'].includes(s.state));
    const finishedToday = sessions.filter((s) => s.state === 'completed' && s.stoppedAt && localDate(s.stoppedAt, this.deps.settings.timeZone) === today);
    // A running session counts at its budget: a second one may not spend what the first may still use.
    const usedOre = finishedToday.reduce((sum, s) => sum + (s.costOre ?? 0), 0) + live.reduce((sum, s) => sum + (s.authorizedOre ?? 0), 0);
    const limitOre = a ? agreementLimit({ suggestedMaxAmountOre: a.suggestedMaxOre, maxAmountOre: a.maxOre }) : 0;
    const charges = await this.deps.members.chargesOf(this.deps.db, memberId);
    const debts = charges.filter((c) => c.status === 'failed');
    const debtOre = debts.reduce((s, c) => s + c.amountOre, 0);
    let blocked: MemberView['blocked'];
    if (!a) blocked = { reason: 'no-agreement', detail: 'Accept the membership agreement in the Vipps or MobilePay app first.' };
    else if (a.status === 'pending') blocked = { reason: 'agreement-pending', detail: 'The agreement waits for you in the Vipps or MobilePay app.' };
    else if (a.status !== 'active') blocked = { reason: 'agreement-ended', detail: 'Your membership has ended. Become a member again, or pay with a reservation.' };
    else if (debtOre > 0) blocked = { reason: 'debt', detail: `A daily charge of ${kr(debtOre)} could not be taken. Pay it to charge as a member again.`, debtOre };
    else if (limitOre - usedOre <= 0) blocked = { reason: 'limit-reached', detail: `Today’s charging has reached your daily limit of ${kr(limitOre)}.` };
    return {
      member: { name: m.name, phoneNumber: m.phoneNumber },
      ...(a ? { agreement: { state: a.status, limitOre, suggestedMaxOre: a.suggestedMaxOre, maxOre: a.maxOre, confirmationUrl: a.status === 'pending' ? a.confirmationUrl : undefined } } : {}),
      today: { date: today, usedOre, running: live.length, limitOre },
      ...(blocked ? { blocked } : {}),
      presetsOre: this.deps.settings.limitPresetsOre,
      defaultLimitOre: this.deps.settings.limitDefaultOre,
      charges: charges.map((c) => ({
        id: c.id,
        date: c.chargeDate,
        amountOre: c.amountOre,
        description: c.description,
        state: c.status,
        ...(c.failureReason ? { failureReason: c.failureReason } : {}),
        lines: c.lines.map((l) => ({ id: l.id, name: l.name, totalOre: l.totalOre, vatOre: l.vatOre, quantity: l.quantity }))
      }))
    };
  }

  /**
   * Pays what a failed daily charge left owing with a one-off ePayment reservation; it is captured
   * in full once authorized (collectDebtPayments). One reference per attempt.
   */
  async payDebt(memberId: string): Promise<{ redirectUrl: string }> {
    const debts = (await this.deps.members.chargesOf(this.deps.db, memberId)).filter((c) => c.status === 'failed');
    if (debts.length === 0) throw new ServiceError(409, 'Nothing is owed.');
    const c = debts[0]!;
    if (c.debtReference) {
      // The previous attempt must not be left behind: a payment the member already approved is
      // collected (not paid twice), and one still waiting is cancelled before a new one is made,
      // or its reservation would be held with nobody to capture or release it.
      const unreachable = (err: unknown) => {
        throw new ServiceError(502, 'Vipps MobilePay could not be reached. Nothing was reserved; please try again.', { cause: err });
      };
      const prev = await this.deps.payments.getReservation(c.debtReference).catch(unreachable);
      if (prev.status === 'authorized') {
        await this.collectDebtPayments(memberId);
        throw new ServiceError(409, 'This amount is already paid; it is being settled.');
      }
      if (prev.status === 'pending') await this.deps.payments.cancel(c.debtReference, `${c.debtReference}-cancel`).catch(unreachable);
    }
    const attempt = c.debtReference ? Number(c.debtReference.split('-').pop()) + 1 : 1;
    const reference = `debt-${c.id}-${attempt}`;
    await this.deps.members.updateCharge(this.deps.db, c.id, { debtReference: reference }, this.deps.clock.now());
    const { redirectUrl } = await this.deps.payments
      .reserve({ reference, amountOre: c.amountOre, description: `Charging on ${c.chargeDate}`, returnUrl: `${this.deps.settings.publicUrl}/member?paid=${c.id}`, idempotencyKey: `${reference}-create` })
      .catch((err) => {
        throw new ServiceError(502, 'Vipps MobilePay could not be reached. Nothing was reserved; please try again.', { cause: err });
      });
    return { redirectUrl };
  }

  /** Debts paid by ePayment: capture what was authorized, then the charge counts as settled. */
  async collectDebtPayments(memberId: string): Promise<void> {
    for (const c of (await this.deps.members.chargesOf(this.deps.db, memberId)).filter((x) => x.status === 'failed' && x.debtReference)) {
      try {
        let snap = await this.deps.payments.getReservation(c.debtReference!);
        if (snap.status !== 'authorized') continue;
        if (snap.capturedOre < c.amountOre) snap = await this.deps.payments.capture(c.debtReference!, c.amountOre, `${c.debtReference}-capture`);
        if (snap.capturedOre >= c.amountOre) {
          await this.deps.members.updateCharge(this.deps.db, c.id, { status: 'settled' }, this.deps.clock.now());
          this.deps.logger.info({ chargeId: c.id, reference: c.debtReference }, 'debt paid');
        }
      } catch (err) {
        this.deps.logger.warn({ err, chargeId: c.id }, 'could not collect a debt payment');
      }
    }
  }

  private checkLimit(limitOre: number): void {
    // REC: suggestedMaxAmount 100–2 000 000 øre.
    if (!Number.isSafeInteger(limitOre) || limitOre < 100 || limitOre > 2_000_000) throw new ServiceError(400, 'The daily limit must be between 1 and 20 000 kr.');
  }
}

function kr(ore: number): string {
  return `${Math.floor(ore / 100)}${ore % 100 ? `,${String(ore % 100).padStart(2, '0')}` : ''} kr`;
}
