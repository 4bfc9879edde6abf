/**
 * The in-store payment port: what the counter needs from a payment provider, in plugpay's words
 * (Vipps MobilePay "In-store payments", API-NOTES §12 flow C). The Vipps adapter is
 * `vipps-in-store.ts`; nothing outside `server/payments/` knows Vipps.
 */
import type { Ore } from '../domain/money.js';
import type { Receipt } from '../domain/receipt.js';
import type { ReservationSnapshot } from './port.js';

/** Whom the request is pushed to: the complete scanned personal QR, or an MSISDN. */
export type InStoreCustomer = { kind: 'personal_qr'; content: string } | { kind: 'phone'; msisdn: string };

export interface PushPaymentRequest {
  reference: string;
  amountOre: Ore;
  customer: InStoreCustomer;
  description: string;
  receipt: Receipt;
  idempotencyKey: string;
}

export interface InStorePayments {
  /** Sends the payment request to the customer's phone; they approve it in the app. */
  push(req: PushPaymentRequest): Promise<void>;
  /** The phone number behind a scanned personal QR (to show it masked at the till). */
  personalQrPhone(content: string): Promise<string>;
  get(reference: string): Promise<ReservationSnapshot>;
  capture(reference: string, amountOre: Ore, idempotencyKey: string): Promise<ReservationSnapshot>;
  /** Before approval it ends the request; after, it releases whatever was not captured. */
  cancel(reference: string, idempotencyKey: string): Promise<ReservationSnapshot>;
  refund(reference: string, amountOre: Ore, idempotencyKey: string): Promise<ReservationSnapshot>;
}
