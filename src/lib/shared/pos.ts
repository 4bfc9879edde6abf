/**
 * The counter's contract between plugpay's server and the /pos pages: request bodies as zod
 * schemas, and the views the server sends. Both sides import this module.
 */
import { z } from 'zod';

export const tillIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'a till id is 1–32 letters, digits, - or _');
export const saleIdSchema = z.string().regex(/^[a-f0-9]{12,32}$/, 'not a sale id');
export const itemIdSchema = z.string().regex(/^[a-z0-9-]{1,40}$/, 'not an item id');
export const phoneCountrySchema = z.enum(['NO', 'DK', 'FI']);
/** The complete scanned content of a personal QR (EP `PersonalQrCode`: 5–255 characters). */
export const personalQrSchema = z.string().min(5, 'that is too short to be a personal QR code').max(255, 'that is too long to be a personal QR code');

export const catalogueItemBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  priceOre: z.number().int().min(0).max(10_000_000),
  vatRateBp: z.union([z.literal(2500), z.literal(1500), z.literal(0)]),
  active: z.boolean().default(true)
});
export type CatalogueItemBody = z.input<typeof catalogueItemBody>;

export const customerBody = z.union([
  z.strictObject({ personalQr: personalQrSchema }),
  z.strictObject({ phone: z.string().max(40), country: phoneCountrySchema.default('NO') })
]);
export type CustomerBody = z.input<typeof customerBody>;

export const startSaleBody = z.strictObject({
  tillId: tillIdSchema,
  customer: customerBody,
  lines: z
    .array(z.strictObject({ itemId: itemIdSchema, quantity: z.number().int().min(1).max(99) }))
    .min(1, 'the basket is empty')
    .max(50)
});
export type StartSaleBody = z.input<typeof startSaleBody>;

export const counterChargingBody = z.strictObject({
  connectorId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a connector id'),
  amountOre: z.number().int().min(1),
  phone: z.string().max(40),
  country: phoneCountrySchema.default('NO')
});
export type CounterChargingBody = z.input<typeof counterChargingBody>;

export interface CounterChargingStarted {
  sessionId: string;
  /** The session's capability: the cashier follows and may stop it with this. */
  token: string;
  /** The live session page, for the cashier's screen. */
  livePath: string;
}

export const refundBody = z.strictObject({ amountOre: z.number().int().min(1) });
export const scanBody = z.strictObject({ content: personalQrSchema });

export interface CatalogueItemView {
  id: string;
  name: string;
  priceOre: number;
  vatRateBp: number;
  active: boolean;
}

export interface IdentifiedCustomer {
  /** e.g. "+47 •• •• 45 67"; null when the number could not be looked up (the sale still works). */
  masked: string | null;
}

export type SaleStateWord = 'created' | 'waiting' | 'paid' | 'captured' | 'partly_refunded' | 'refunded' | 'rejected' | 'expired' | 'cancelled' | 'failed';

export interface SaleLineView {
  name: string;
  quantity: string;
  unitPriceOre: number;
  totalOre: number;
  netOre: number;
  vatOre: number;
  vatRateBp: number;
}

export interface VatBucketView {
  vatRateBp: number;
  grossOre: number;
  netOre: number;
  vatOre: number;
}

export interface SaleView {
  id: string;
  tillId: string;
  receiptNumber: number;
  reference: string;
  state: SaleStateWord;
  customer: string | null;
  lines: SaleLineView[];
  vat: VatBucketView[];
  totalOre: number;
  capturedOre: number;
  refundedOre: number;
  /** Why the sale failed or is stuck, in words for the cashier. */
  problem: string | null;
  createdAt: string;
}

export interface TillDayView {
  tillId: string;
  salesCount: number;
  sales: VatBucketView[];
  salesTotal: Omit<VatBucketView, 'vatRateBp'>;
  refundsCount: number;
  refunds: VatBucketView[];
  refundsTotal: Omit<VatBucketView, 'vatRateBp'>;
  takings: Omit<VatBucketView, 'vatRateBp'>;
}

export interface DayView {
  day: string;
  tills: TillDayView[];
  sales: SaleView[];
}

/** The cashier's words for each state. */
export const saleStateLabel: Record<SaleStateWord, string> = {
  created: 'Sending…',
  waiting: 'Waiting for the customer',
  paid: 'Approved, taking the payment…',
  captured: 'Paid',
  partly_refunded: 'Paid, partly refunded',
  refunded: 'Refunded',
  rejected: 'The customer rejected the payment',
  expired: 'The payment request expired',
  cancelled: 'Cancelled',
  failed: 'Could not send the payment request'
};
