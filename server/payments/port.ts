/**
 * The payment port: what plugpay's services need from a payment provider, in plugpay's own words.
 * The Vipps MobilePay adapter (`vipps-payments.ts`) implements it on the ePayment and Order
 * Management APIs; nothing outside `server/payments/` knows Vipps.
 */
import type { Ore } from '../domain/money.js';

/** A reservation's state in plugpay's words (Vipps: CREATED, AUTHORIZED, ABORTED, EXPIRED, TERMINATED). */
export type ReservationStatus = 'pending' | 'authorized' | 'rejected' | 'expired' | 'terminated';

export interface ReservationSnapshot {
  reference: string;
  status: ReservationStatus;
  amountOre: Ore;
  authorizedOre: Ore;
  capturedOre: Ore;
  cancelledOre: Ore;
  refundedOre: Ore;
}

export interface ReserveRequest {
  reference: string;
  amountOre: Ore;
  description: string;
  returnUrl: string;
  /** Caller-chosen, deterministic: a retry with the same key never creates a second payment. */
  idempotencyKey: string;
}

/** Order lines are built in the domain (receipt.ts); the adapter converts them to Vipps' format. */
export type { Receipt, ReceiptLine } from '../domain/receipt.js';
import type { Receipt } from '../domain/receipt.js';

/** A reservation pushed to a phone (a cashier starts charging for a customer at the counter). */
export interface PushReserveRequest {
  reference: string;
  amountOre: Ore;
  description: string;
  /** MSISDN, country code first, digits only (e.g. 4791234567). */
  msisdn: string;
  idempotencyKey: string;
}

export interface PaymentPort {
  /** Creates a WEB_REDIRECT wallet payment; returns where to send the driver's browser. */
  reserve(req: ReserveRequest): Promise<{ redirectUrl: string }>;
  /** Creates a PUSH_MESSAGE wallet payment: the customer approves it in the app on their phone. */
  reservePushed(req: PushReserveRequest): Promise<void>;
  getReservation(reference: string): Promise<ReservationSnapshot>;
  capture(reference: string, amountOre: Ore, idempotencyKey: string): Promise<ReservationSnapshot>;
  /** Releases whatever is not captured (before authorization: terminates the payment). */
  cancel(reference: string, idempotencyKey: string): Promise<ReservationSnapshot>;
  /** Sends the order lines once; a second send for the same reference is reported as already sent. */
  sendReceipt(reference: string, receipt: Receipt): Promise<'sent' | 'already-sent'>;
  /** Puts a link to the session page on the payment in the app. */
  setReceiptLink(reference: string, url: string): Promise<void>;
}

/** A webhook delivery, verified and parsed, in plugpay's words. */
export interface PaymentNotification {
  reference: string;
  pspReference: string;
  /** Vipps event word: CREATED, AUTHORIZED, ABORTED, EXPIRED, CANCELLED, CAPTURED, REFUNDED, TERMINATED. */
  name: string;
  amountOre: Ore;
  success: boolean;
  timestamp: string;
}
