/**
 * Recurring v3 in the sandbox, the part without HTTP: agreements and charges, their state
 * changes and webhooks, and charge processing over days on the sandbox's own day clock
 * (REC recurring-v3.yaml; RECD; API-NOTES §10). The routes (recurring.ts) and the app page
 * (recurring-app-page.ts) call these.
 *
 * The day clock is the sandbox's `now()` plus an offset a test moves forward
 * (`POST /_sandbox/recurring/clock`), so charges come due without waiting for days and without
 * touching access-token lifetimes. Charges are processed whenever the clock moves and on every
 * Recurring call, rather than at Vipps' fixed hours (RECD: 07:00 and 15:00 UTC, not guaranteed).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxContext } from './context.js';
import { userByPhone } from './test-users.js';

export type AgreementStatus = 'PENDING' | 'ACTIVE' | 'STOPPED' | 'EXPIRED';
export type ChargeStatus = 'PENDING' | 'DUE' | 'PROCESSING' | 'RESERVED' | 'CHARGED' | 'PARTIALLY_CAPTURED' | 'FAILED' | 'CANCELLED' | 'PARTIALLY_REFUNDED' | 'REFUNDED';
export type IntervalUnit = 'YEAR' | 'MONTH' | 'WEEK' | 'DAY';
export type FailureReason = 'user_action_required' | 'charge_amount_too_high' | 'non_technical_error' | 'technical_error';

export interface Agreement {
  msn: string;
  id: string;
  uuid: string;
  /** secret in the app-page link */
  token: string;
  status: AgreementStatus;
  pricing: { type: 'LEGACY' | 'VARIABLE'; currency: 'NOK'; amount?: number; suggestedMaxAmount?: number; maxAmount?: number };
  interval: { unit: IntervalUnit; count: number };
  productName: string;
  productDescription?: string;
  merchantRedirectUrl: string;
  merchantAgreementUrl: string;
  phoneNumber?: string;
  externalId?: string;
  /** the phone of the user who accepted */
  userPhone?: string;
  created: string;
  start?: string;
  stop?: string;
  expiresAt: string;
}

export interface ChargeEvent {
  occurred: string;
  event: 'CREATE' | 'RESERVE' | 'CAPTURE' | 'REFUND' | 'CANCEL' | 'FAIL';
  amount: number;
  idempotencyKey: string;
  success: boolean;
}

export interface Charge {
  msn: string;
  id: string;
  agreementId: string;
  amount: number;
  description: string;
  /** YYYY-MM-DD */
  due: string;
  retryDays: number;
  transactionType: 'DIRECT_CAPTURE' | 'RESERVE_CAPTURE';
  status: ChargeStatus;
  externalId: string;
  transactionId: string;
  failureReason?: FailureReason;
  failureDescription?: string;
  captured: number;
  refunded: number;
  cancelled: number;
  history: ChargeEvent[];
}

export interface RecurringState {
  /** how far the day clock runs ahead of `now()` */
  offsetMs: number;
  /** key `${msn}:${agreementId}` */
  agreements: Record<string, Agreement>;
  /** key `${msn}:${chargeId}` */
  charges: Record<string, Charge>;
}

export function recurringState(ctx: SandboxContext): RecurringState {
  if (!ctx.store.data.recurring) ctx.store.data.recurring = { offsetMs: 0, agreements: {}, charges: {} };
  return ctx.store.data.recurring;
}

/** The sandbox's day clock. */
export function recurringNow(ctx: SandboxContext): Date {
  return new Date(ctx.now().getTime() + recurringState(ctx).offsetMs);
}

/** Today at Vipps (Norway), YYYY-MM-DD, on the day clock. */
export function today(ctx: SandboxContext): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(recurringNow(ctx));
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const stamp = (ctx: SandboxContext) => recurringNow(ctx).toISOString();

export const newAgreementId = () => `agr_${randomBytes(5).toString('base64url').replace(/[-_]/g, 'x')}`;
/** ChargeReference: `chargeId` up to 15 characters (REC). */
export const newChargeId = () => `chr-${randomBytes(8).toString('hex').slice(0, 11)}`;
export const newToken = () => randomBytes(24).toString('base64url');
export const newUuid = () => randomUUID();

/** The most the charges of one interval may add up to (RECD "Amount limits", "variable amount"). */
export function intervalLimit(a: Agreement): number {
  if (a.pricing.type === 'VARIABLE') return Math.max(a.pricing.suggestedMaxAmount ?? 0, a.pricing.maxAmount ?? 0);
  return 5 * (a.pricing.amount ?? 0);
}

/** Which interval of the agreement a due date falls in (0 = the one it started in). */
export function intervalIndex(a: Agreement, due: string): number {
  const start = (a.start ?? a.created).slice(0, 10);
  const n = a.interval.count;
  switch (a.interval.unit) {
    case 'DAY':
      return Math.floor(daysBetween(start, due) / n);
    case 'WEEK':
      return Math.floor(daysBetween(start, due) / (7 * n));
    case 'MONTH': {
      const months = (Number(due.slice(0, 4)) - Number(start.slice(0, 4))) * 12 + Number(due.slice(5, 7)) - Number(start.slice(5, 7));
      return Math.floor(months / n);
    }
    case 'YEAR':
      return Math.floor((Number(due.slice(0, 4)) - Number(start.slice(0, 4))) / n);
  }
}

/** `interval.text` of the response, e.g. "every day", "every 2 weeks". */
export function intervalText(i: { unit: IntervalUnit; count: number }): string {
  const unit = i.unit.toLowerCase();
  return i.count === 1 ? `every ${unit}` : `every ${i.count} ${unit}s`;
}

const LIVE_CHARGES: ChargeStatus[] = ['PENDING', 'DUE', 'PROCESSING', 'RESERVED', 'CHARGED', 'PARTIALLY_CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED'];

/** What the other charges of the same interval already take. */
export function usedInInterval(ctx: SandboxContext, a: Agreement, due: string): number {
  const idx = intervalIndex(a, due);
  return Object.values(recurringState(ctx).charges)
    .filter((c) => c.msn === a.msn && c.agreementId === a.id && LIVE_CHARGES.includes(c.status) && intervalIndex(a, c.due) === idx)
    .reduce((sum, c) => sum + c.amount - c.cancelled, 0);
}

export function chargesOf(ctx: SandboxContext, a: Agreement): Charge[] {
  return Object.values(recurringState(ctx).charges).filter((c) => c.msn === a.msn && c.agreementId === a.id);
}

function agreementEvent(ctx: SandboxContext, a: Agreement, name: 'activated' | 'rejected' | 'stopped' | 'expired', actor?: 'MERCHANT' | 'USER'): void {
  ctx.publishEvent(a.msn, `recurring.agreement-${name}.v1`, a.id, {
    msn: a.msn,
    eventType: `recurring.agreement-${name}.v1`,
    agreementId: a.id,
    ...(a.externalId ? { agreementExternalId: a.externalId } : {}),
    ...(actor ? { actor } : {}),
    occurred: stamp(ctx)
  });
}

function chargeEvent(ctx: SandboxContext, c: Charge, name: 'reserved' | 'captured' | 'canceled' | 'failed' | 'refunded', amount: number): void {
  ctx.publishEvent(c.msn, `recurring.charge-${name}.v1`, c.agreementId, {
    msn: c.msn,
    eventType: `recurring.charge-${name}.v1`,
    agreementId: c.agreementId,
    chargeId: c.id,
    chargeExternalId: c.externalId,
    amount,
    currency: 'NOK',
    chargeType: 'RECURRING',
    ...(c.failureReason ? { failureReason: c.failureReason } : {}),
    occurred: stamp(ctx)
  });
}

function record(ctx: SandboxContext, c: Charge, event: ChargeEvent['event'], amount: number, idempotencyKey: string, success = true): void {
  c.history.push({ occurred: stamp(ctx), event, amount, idempotencyKey, success });
}

/** PENDING agreements not accepted in time expire (RECD: 10 minutes). */
export function expireAgreements(ctx: SandboxContext): void {
  const now = ctx.now().getTime();
  for (const a of Object.values(recurringState(ctx).agreements)) {
    if (a.status === 'PENDING' && Date.parse(a.expiresAt) <= now) {
      a.status = 'EXPIRED';
      a.stop = stamp(ctx);
      agreementEvent(ctx, a, 'expired');
      ctx.store.changed();
    }
  }
}

export function accept(ctx: SandboxContext, a: Agreement, phone: string, maxAmount?: number): boolean {
  if (a.status !== 'PENDING') return false;
  a.status = 'ACTIVE';
  a.userPhone = phone;
  a.start = stamp(ctx);
  if (a.pricing.type === 'VARIABLE') a.pricing.maxAmount = maxAmount ?? a.pricing.suggestedMaxAmount;
  agreementEvent(ctx, a, 'activated');
  ctx.store.changed();
  return true;
}

export function rejectAgreement(ctx: SandboxContext, a: Agreement): boolean {
  if (a.status !== 'PENDING') return false;
  // AgreementStatus has no REJECTED: a rejected agreement is STOPPED.
  a.status = 'STOPPED';
  a.stop = stamp(ctx);
  agreementEvent(ctx, a, 'rejected', 'USER');
  ctx.store.changed();
  return true;
}

/**
 * Stops an agreement (cannot be undone). By the merchant: PENDING, DUE and RESERVED charges are
 * cancelled; by the user: RESERVED charges are left for the merchant to capture or cancel (TK).
 */
export function stopAgreement(ctx: SandboxContext, a: Agreement, actor: 'MERCHANT' | 'USER'): boolean {
  if (a.status !== 'ACTIVE' && a.status !== 'PENDING') return false;
  a.status = 'STOPPED';
  a.stop = stamp(ctx);
  const cancelled: ChargeStatus[] = actor === 'MERCHANT' ? ['PENDING', 'DUE', 'RESERVED'] : ['PENDING', 'DUE'];
  for (const c of chargesOf(ctx, a)) if (cancelled.includes(c.status)) cancelCharge(ctx, c, `${a.id}-stop`);
  agreementEvent(ctx, a, 'stopped', actor);
  ctx.store.changed();
  return true;
}

/** The user changes the most they allow per interval (VARIABLE agreements). */
export function changeMaxAmount(ctx: SandboxContext, a: Agreement, maxAmount: number): boolean {
  if (a.status !== 'ACTIVE' || a.pricing.type !== 'VARIABLE') return false;
  a.pricing.maxAmount = maxAmount;
  ctx.store.changed();
  processCharges(ctx);
  return true;
}

export function cancelCharge(ctx: SandboxContext, c: Charge, idempotencyKey: string): void {
  const left = c.amount - c.captured - c.cancelled;
  c.cancelled += left;
  // Cancelling a PARTIALLY_CAPTURED charge releases the rest and shows CHARGED (RECD).
  c.status = c.status === 'PARTIALLY_CAPTURED' ? 'CHARGED' : 'CANCELLED';
  record(ctx, c, 'CANCEL', left, idempotencyKey);
  chargeEvent(ctx, c, 'canceled', left);
  ctx.store.changed();
}

export function captureCharge(ctx: SandboxContext, c: Charge, amount: number, idempotencyKey: string): void {
  c.captured += amount;
  c.status = c.captured >= c.amount ? 'CHARGED' : 'PARTIALLY_CAPTURED';
  record(ctx, c, 'CAPTURE', amount, idempotencyKey);
  chargeEvent(ctx, c, 'captured', amount);
  ctx.store.changed();
}

export function refundCharge(ctx: SandboxContext, c: Charge, amount: number, idempotencyKey: string): void {
  c.refunded += amount;
  c.status = c.refunded >= c.captured ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
  record(ctx, c, 'REFUND', amount, idempotencyKey);
  chargeEvent(ctx, c, 'refunded', amount);
  ctx.store.changed();
}

function fail(ctx: SandboxContext, c: Charge, reason: FailureReason, description: string): void {
  c.status = 'FAILED';
  c.failureReason = reason;
  c.failureDescription = description;
  record(ctx, c, 'FAIL', c.amount, `${c.id}-fail`, false);
  chargeEvent(ctx, c, 'failed', c.amount);
  ctx.store.changed();
}

/**
 * Runs every charge that is due by the day clock: DIRECT_CAPTURE is charged, RESERVE_CAPTURE
 * reserved. A charge above the user's `maxAmount` (allowed up to `suggestedMaxAmount`) waits for
 * the user to raise it, and a user without funds is retried; either fails after `retryDays`
 * with `charge_amount_too_high` or `user_action_required` (RECD "variable amount", REC
 * `failureReason`).
 */
export function processCharges(ctx: SandboxContext): void {
  const day = today(ctx);
  for (const c of Object.values(recurringState(ctx).charges)) {
    if (c.status !== 'PENDING' && c.status !== 'DUE') continue;
    if (c.due > day) continue;
    const a = recurringState(ctx).agreements[`${c.msn}:${c.agreementId}`];
    if (!a || a.status !== 'ACTIVE') continue;
    c.status = 'DUE';
    const lastTry = daysBetween(c.due, day) >= c.retryDays;
    const user = userByPhone(a.userPhone);
    if (a.pricing.type === 'VARIABLE' && c.amount > (a.pricing.maxAmount ?? 0)) {
      if (lastTry) fail(ctx, c, 'charge_amount_too_high', 'The amount is above the maximum the user allows.');
      continue;
    }
    if (user?.funds === 'none') {
      if (lastTry) fail(ctx, c, 'user_action_required', 'User action required: the payment card was declined.');
      continue;
    }
    if (c.transactionType === 'DIRECT_CAPTURE') {
      c.captured = c.amount;
      c.status = 'CHARGED';
      record(ctx, c, 'CAPTURE', c.amount, `${c.id}-process`);
      chargeEvent(ctx, c, 'captured', c.amount);
    } else {
      c.status = 'RESERVED';
      record(ctx, c, 'RESERVE', c.amount, `${c.id}-process`);
      chargeEvent(ctx, c, 'reserved', c.amount);
    }
    ctx.store.changed();
  }
}

/** Moves the day clock forward and processes what came due. */
export function advanceClock(ctx: SandboxContext, ms: number): void {
  recurringState(ctx).offsetMs += Math.max(0, ms);
  ctx.store.changed();
  processCharges(ctx);
}
