/**
 * The membership port: what pay-as-you-go needs from the payment provider, in plugpay's words.
 * The Vipps MobilePay adapter (vipps-membership.ts) implements it on Recurring v3 and Order
 * Management; Login has its own port (login-port.ts).
 */
import type { Ore } from '../domain/money.js';
import type { Receipt } from '../domain/receipt.js';

/** An agreement's state in plugpay's words (Vipps: PENDING, ACTIVE, STOPPED, EXPIRED). */
export type AgreementState = 'pending' | 'active' | 'stopped' | 'expired';

export interface AgreementSnapshot {
  id: string;
  state: AgreementState;
  suggestedMaxOre: Ore;
  /** What the member allows in the app; undefined until accepted. */
  maxOre?: Ore;
}

/** A daily charge's state in plugpay's words. `waiting`: created, not yet taken (Vipps PENDING, DUE, PROCESSING). */
export type DailyChargeState = 'waiting' | 'charged' | 'failed' | 'cancelled' | 'refunded';

export interface DailyChargeSnapshot {
  id: string;
  state: DailyChargeState;
  amountOre: Ore;
  capturedOre: Ore;
  /** Why it failed, in Vipps' words (`charge_amount_too_high`, `user_action_required`, …). */
  failureReason?: string;
}

export interface DraftAgreement {
  suggestedMaxOre: Ore;
  phoneNumber?: string;
  productName: string;
  /** Where the app sends the member after accepting or rejecting. */
  redirectUrl: string;
  /** The member's page, linked from the agreement in the app. */
  agreementUrl: string;
  idempotencyKey: string;
}

export interface NewDailyCharge {
  amountOre: Ore;
  /** ≤ 45 characters, shown in the app. */
  description: string;
  /** YYYY-MM-DD */
  due: string;
  retryDays: number;
  idempotencyKey: string;
}

export interface MembershipPort {
  draftAgreement(d: DraftAgreement): Promise<{ agreementId: string; confirmationUrl: string }>;
  getAgreement(agreementId: string): Promise<AgreementSnapshot>;
  stopAgreement(agreementId: string, idempotencyKey: string): Promise<void>;
  changeSuggestedMax(agreementId: string, suggestedMaxOre: Ore, idempotencyKey: string): Promise<void>;
  /** Creates the charge; a repeat with the same key returns the same charge id. */
  createDailyCharge(agreementId: string, c: NewDailyCharge): Promise<string>;
  getDailyCharge(agreementId: string, chargeId: string): Promise<DailyChargeSnapshot>;
  /** The receipt of a daily charge (once; a repeat is reported as already sent). */
  sendChargeReceipt(chargeId: string, receipt: Receipt): Promise<'sent' | 'already-sent'>;
}

/** A Recurring webhook, verified and parsed: only a hint of what to read back. */
export interface MembershipNotification {
  event: string;
  agreementId: string;
  chargeId?: string;
}
