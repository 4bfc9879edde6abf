/**
 * The ePayment payment model: state machine and aggregate rules, independent of HTTP.
 * Sources: EP (epayment.v1.yml 1.4.1), EPD payment_states.md and operations/*.md, TK errors.md,
 * digested in API-NOTES §6.
 *
 *   CREATED ──approve──▶ AUTHORIZED  (final: capture/refund/cancel only move the aggregate)
 *      ├──reject───────▶ ABORTED
 *      ├──time out─────▶ EXPIRED
 *      └──cancel───────▶ TERMINATED
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { SandboxContext } from './context.js';
import type { Amount, Payment, PaymentEvent, PaymentEventName } from './state.js';

/** A domain refusal: HTTP status, ePayment error code (extraDetails ErrorCode) and detail. */
export interface PaymentError {
  status: number;
  code?: string;
  detail: string;
}
export type Outcome = { ok: true; payment: Payment } | { ok: false; error: PaymentError };

const fail = (status: number, code: string | undefined, detail: string): Outcome => ({ ok: false, error: { status, code, detail } });

export function paymentKey(msn: string, reference: string): string {
  return `${msn}:${reference}`;
}

/** pspReferences are opaque; real ones are long digit strings. Each event gets its own. */
export function newPspReference(): string {
  return `${randomInt(1_000_000, 9_999_999)}${randomInt(100_000_000, 999_999_999)}`;
}

export function newPaymentToken(): string {
  return randomBytes(18).toString('base64url');
}

function record(ctx: SandboxContext, p: Payment, name: PaymentEventName, value: number, idempotencyKey: string | undefined, pspReference = newPspReference()): PaymentEvent {
  const event: PaymentEvent = {
    reference: p.reference,
    pspReference,
    name,
    amount: { currency: p.amount.currency, value },
    timestamp: ctx.now().toISOString(),
    ...(idempotencyKey ? { idempotencyKey } : {}),
    success: true,
  };
  p.events.push(event);
  ctx.store.changed();
  ctx.publishPaymentEvent(p, event);
  return event;
}

/** Store a freshly validated payment in CREATED and emit its CREATED event. */
export function createPayment(ctx: SandboxContext, p: Omit<Payment, 'pspReference' | 'events' | 'state' | 'authorized' | 'captured' | 'cancelled' | 'refunded' | 'token' | 'createdAt'>, idempotencyKey: string): Payment {
  const pspReference = newPspReference();
  const payment: Payment = {
    ...p,
    pspReference,
    token: newPaymentToken(),
    state: 'CREATED',
    authorized: 0,
    captured: 0,
    cancelled: 0,
    refunded: 0,
    createdAt: ctx.now().toISOString(),
    events: [],
  };
  ctx.store.data.payments[paymentKey(p.msn, p.reference)] = payment;
  // The pspReference in API responses is the one of the CREATED event (TK operations.md).
  record(ctx, payment, 'CREATED', payment.amount.value, idempotencyKey, pspReference);
  ctx.scheduleExpiry(payment);
  return payment;
}

/** Move every CREATED payment whose time is up to EXPIRED (lazy on read, and from the timer). */
export function expireDue(ctx: SandboxContext): void {
  const now = ctx.now().getTime();
  for (const p of Object.values(ctx.store.data.payments)) {
    if (p.state === 'CREATED' && Date.parse(p.expiresAt) <= now) {
      p.state = 'EXPIRED';
      record(ctx, p, 'EXPIRED', p.amount.value, undefined);
    }
  }
}

/** The user approves in the app (or the test force-approve endpoint is called). */
export function approve(ctx: SandboxContext, p: Payment): Outcome {
  expireDue(ctx);
  if (p.state === 'AUTHORIZED') return fail(400, '6230', 'The payment is already authorized.');
  if (p.state !== 'CREATED') return fail(400, undefined, `The payment is ${p.state} and can no longer be approved.`);
  p.state = 'AUTHORIZED';
  p.authorized = p.amount.value;
  if (p.profileScope) p.sub = p.sub ?? randomUUID();
  record(ctx, p, 'AUTHORIZED', p.authorized, undefined);
  return { ok: true, payment: p };
}

/** The user rejects in the app. */
export function reject(ctx: SandboxContext, p: Payment): Outcome {
  expireDue(ctx);
  if (p.state !== 'CREATED') return fail(400, undefined, `The payment is ${p.state} and can no longer be rejected.`);
  p.state = 'ABORTED';
  record(ctx, p, 'ABORTED', p.amount.value, undefined);
  return { ok: true, payment: p };
}

/**
 * Capture `amount`. EPD capture.md / TK errors: needs AUTHORIZED (6080); a cancelled payment
 * cannot be captured (6070); captured + x must stay ≤ authorized − cancelled (6090).
 */
export function capture(ctx: SandboxContext, p: Payment, amount: Amount, idempotencyKey: string): Outcome {
  expireDue(ctx);
  if (amount.currency !== p.amount.currency) return fail(400, '5040', `Currency ${amount.currency} does not match the payment currency ${p.amount.currency}.`);
  if (p.state !== 'AUTHORIZED') return fail(400, '6080', `The payment is ${p.state}; only an AUTHORIZED payment can be captured.`);
  if (p.cancelled > 0) return fail(400, '6070', 'The payment is cancelled and cannot be captured.');
  if (p.captured + amount.value > p.authorized - p.cancelled) {
    return fail(400, '6090', `Capture of ${amount.value} exceeds the remaining authorized amount ${p.authorized - p.cancelled - p.captured}.`);
  }
  p.captured += amount.value;
  record(ctx, p, 'CAPTURED', amount.value, idempotencyKey);
  return { ok: true, payment: p };
}

/**
 * Refund `amount`. EPD refund.md / TK errors: only after a reservation (6020); refunded + x
 * must stay ≤ captured (6150).
 */
export function refund(ctx: SandboxContext, p: Payment, amount: Amount, idempotencyKey: string): Outcome {
  expireDue(ctx);
  if (amount.currency !== p.amount.currency) return fail(400, '5040', `Currency ${amount.currency} does not match the payment currency ${p.amount.currency}.`);
  if (p.state !== 'AUTHORIZED') return fail(400, '6020', `The payment is ${p.state}; nothing has been reserved, so nothing can be refunded.`);
  if (p.refunded + amount.value > p.captured) {
    return fail(400, '6150', `Refund of ${amount.value} exceeds the captured amount not yet refunded (${p.captured - p.refunded}).`);
  }
  p.refunded += amount.value;
  record(ctx, p, 'REFUNDED', amount.value, idempotencyKey);
  return { ok: true, payment: p };
}

/**
 * Cancel. Before authorization the payment becomes TERMINATED with cancelledAmount = amount
 * (EPD cancel.md example). After authorization the whole remainder authorized − captured is
 * released and the state stays AUTHORIZED; fully captured gives 6040. With
 * `cancelTransactionOnly` an authorized payment is left alone with 6060 (SDK types; TK).
 */
export function cancel(ctx: SandboxContext, p: Payment, cancelTransactionOnly: boolean, idempotencyKey: string): Outcome {
  expireDue(ctx);
  if (p.state === 'CREATED') {
    p.state = 'TERMINATED';
    p.cancelled = p.amount.value;
    record(ctx, p, 'TERMINATED', p.amount.value, idempotencyKey);
    return { ok: true, payment: p };
  }
  if (p.state !== 'AUTHORIZED') return fail(400, '6190', `The payment is ${p.state} and cannot be cancelled.`);
  if (cancelTransactionOnly) return fail(400, '6060', 'The payment is already authorized; cancelTransactionOnly leaves it untouched.');
  if (p.captured >= p.authorized) return fail(400, '6040', 'The payment is fully captured; there is nothing left to cancel.');
  if (p.cancelled > 0) return fail(400, '6190', 'The remaining amount has already been cancelled.');
  const remainder = p.authorized - p.captured;
  p.cancelled = remainder;
  record(ctx, p, 'CANCELLED', remainder, idempotencyKey);
  return { ok: true, payment: p };
}

/** The `Aggregate` object (EP): all four amounts, always present. */
export function aggregateOf(p: Payment) {
  const a = (value: number): Amount => ({ currency: p.amount.currency, value });
  return {
    authorizedAmount: a(p.authorized),
    cancelledAmount: a(p.cancelled),
    capturedAmount: a(p.captured),
    refundedAmount: a(p.refunded),
  };
}

/** The app-page link that `redirectUrl` points at. */
export function appPageUrl(ctx: SandboxContext, p: Payment): string {
  return `${ctx.publicBaseUrl}/app/payments/${encodeURIComponent(p.reference)}?token=${encodeURIComponent(p.token)}`;
}
