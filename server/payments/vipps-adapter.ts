/**
 * What every Vipps MobilePay adapter of plugpay's shares: the one translation of an ePayment
 * payment into plugpay's words, and the one way a failed call becomes a
 * {@link PaymentProviderError} (the Vipps error as `cause`, its code and pacing kept, unlogged).
 */
import { PaymentProviderError } from './errors.js';
import type { ReservationSnapshot, ReservationStatus } from './port.js';
import { fromAmount } from './vipps/amount.js';
import { VippsError } from './vipps/errors.js';
import type { GetPaymentResponse, ModificationResponse, PaymentState } from './vipps/schemas.js';

/** Vipps payment state → plugpay's word (EP `State`; payment_states.md). */
const STATUS: Record<PaymentState, ReservationStatus> = {
  CREATED: 'pending',
  AUTHORIZED: 'authorized',
  ABORTED: 'rejected',
  EXPIRED: 'expired',
  TERMINATED: 'terminated'
};

/** A payment (or a modification's answer) as plugpay sees it: state and amounts in øre. */
export function reservationSnapshot(p: GetPaymentResponse | ModificationResponse): ReservationSnapshot {
  const a = p.aggregate;
  return {
    reference: p.reference,
    status: STATUS[p.state],
    amountOre: fromAmount(p.amount),
    authorizedOre: fromAmount(a.authorizedAmount),
    capturedOre: fromAmount(a.capturedAmount),
    cancelledOre: fromAmount(a.cancelledAmount),
    refundedOre: fromAmount(a.refundedAmount)
  };
}

/**
 * Runs one call to Vipps MobilePay; a failure is rethrown as a PaymentProviderError that says
 * what was asked, for which reference, and whether trying again may help.
 *
 * @example
 * const p = await callVipps('capture', reference, () => vipps.epayment.capture(reference, amount, key));
 */
export async function callVipps<T>(operation: string, reference: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    const v = cause instanceof VippsError ? cause : undefined;
    const what = reference ? `${operation} ${reference}` : operation;
    throw new PaymentProviderError(`Vipps MobilePay ${what} failed: ${(cause as Error)?.message ?? String(cause)}`, {
      operation,
      reference,
      retryable: v?.retryable ?? false,
      code: v?.code,
      status: v?.status,
      retryAfterMs: v?.retryAfterMs,
      cause
    });
  }
}
