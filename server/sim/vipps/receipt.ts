/**
 * The Order Management `Receipt` (OM v2 current schema, API-NOTES §9), used by
 * `POST /order-management/v2/{paymentType}/receipts/{orderId}` and by ePayment create's
 * optional `receipt`.
 *
 * Documents disagree (API-NOTES §13): ePayment 1.4.1 embeds OM 2.3.24, which *requires*
 * `taxPercentage` and has no `taxRate`; the current OM schema has `taxRate` (hundredths of a
 * percent, 0–10000) and deprecated `taxPercentage` (integer 0–100), one of which must be set.
 * We validate against the current OM rules everywhere (the newer SDK ePayment types accept both).
 */
import { z } from 'zod';

const int = () => z.number().int();
const nullableInt = () => int().min(0).nullable().optional();

export const unitInfoSchema = z.object({
  unitPrice: nullableInt(),
  quantity: z.string().max(10).regex(/^\d+([.]\d{1,8})?$/, 'quantity must be a decimal string like "23.418"'),
  quantityUnit: z.enum(['PCS', 'KG', 'KM', 'MINUTE', 'LITRE', 'KWH']),
});

export const orderLineSchema = z
  .object({
    name: z.string().min(1),
    id: z.string().min(1),
    totalAmount: int(),
    totalAmountExcludingTax: int(),
    totalTaxAmount: int(),
    taxRate: int().min(0).max(10000).nullable().optional(),
    taxPercentage: int().min(0).max(100).nullable().optional(),
    unitInfo: unitInfoSchema.nullable().optional(),
    discount: nullableInt(),
    productUrl: z.string().nullable().optional(),
    isReturn: z.boolean().nullable().optional(),
    isShipping: z.boolean().nullable().optional(),
  })
  .refine((l) => l.taxRate != null || l.taxPercentage != null, { message: 'one of taxRate or taxPercentage is required', path: ['taxRate'] });

export const bottomLineSchema = z.object({
  currency: z.enum(['NOK', 'DKK', 'EUR']),
  tipAmount: nullableInt(),
  posId: z.string().nullable().optional(),
  paymentSources: z
    .object({ giftCard: int().nullable().optional(), card: int().nullable().optional(), voucher: int().nullable().optional(), cash: int().nullable().optional() })
    .nullable()
    .optional(),
  barcode: z.object({ format: z.enum(['EAN-13', 'CODE 39', 'CODE 128']), data: z.string().nullable().optional() }).nullable().optional(),
  receiptNumber: z.string().nullable().optional(),
  // deprecated fields still accepted by the schema
  giftCardAmount: nullableInt(),
  totalAmount: int().nullable().optional(),
  totalTax: nullableInt(),
  totalDiscount: nullableInt(),
  shippingAmount: nullableInt(),
  shippingInfo: z.unknown().optional(),
  terminalId: z.string().nullable().optional(),
});

export const receiptSchema = z.object({
  orderLines: z.array(orderLineSchema).min(1),
  bottomLine: bottomLineSchema,
});

export type Receipt = z.infer<typeof receiptSchema>;
