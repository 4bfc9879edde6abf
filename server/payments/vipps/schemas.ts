/**
 * Request and response bodies of the Vipps MobilePay APIs, written from the official documents in
 * /work/shared/vipps/openapi (names match their `components.schemas`). Requests are strict, so a
 * misspelt field fails here instead of being ignored by Vipps; responses allow extra fields, because
 * Vipps adds fields over time (e.g. `captureGuaranteedUntil`, API-NOTES §6).
 */
import { z } from 'zod';

// ─── Access token (access-token.yaml) ──────────────────────────────────────────────────────────

/** `AuthorizationTokenResponse`: the numeric fields are strings in the spec; numbers are accepted too. */
export const accessTokenResponse = z.object({
  token_type: z.string().optional(),
  expires_in: z.coerce.number().int().positive(),
  expires_on: z.union([z.string(), z.number()]).optional(),
  access_token: z.string().min(1)
});

// ─── ePayment v1 (epayment-v1.yml) ─────────────────────────────────────────────────────────────

export const currency = z.enum(['NOK', 'DKK', 'EUR']);
/** `Amount`: minor units, 0 … 65 000 000. */
export const amount = z.object({ currency, value: z.number().int().min(0).max(65_000_000) });
export type Amount = z.infer<typeof amount>;

/** `Reference`: `^[a-zA-Z0-9-]{8,50}$`. */
export const reference = z.string().regex(/^[a-zA-Z0-9-]{8,50}$/, 'reference must be 8–50 of a-z, A-Z, 0-9 and -');

/** `Customer` is one of phone number, personal QR or customer token; more than one is an error. */
export const customer = z.union([
  z.strictObject({ phoneNumber: z.string().regex(/^\d{10,15}$/, 'MSISDN, digits only, e.g. 4791234567') }),
  z.strictObject({ personalQr: z.string().min(5).max(255) }),
  z.strictObject({ customerToken: z.string().min(1) })
]);

export const paymentMethodType = z.enum(['WALLET', 'CARD']);
export const userFlow = z.enum(['PUSH_MESSAGE', 'NATIVE_REDIRECT', 'WEB_REDIRECT', 'QR']);
export const paymentState = z.enum(['CREATED', 'ABORTED', 'EXPIRED', 'AUTHORIZED', 'TERMINATED']);
export type PaymentState = z.infer<typeof paymentState>;
export const paymentEventName = z.enum(['CREATED', 'ABORTED', 'EXPIRED', 'CANCELLED', 'CAPTURED', 'REFUNDED', 'AUTHORIZED', 'TERMINATED']);

// ─── Order Management v2 (order-management-v2.yaml) ────────────────────────────────────────────

export const quantityUnit = z.enum(['PCS', 'KG', 'KM', 'MINUTE', 'LITRE', 'KWH']);

/** `UnitInfo`: `quantity` is a decimal string, `^\d+([\.]\d{1,8})?$`, at most 10 characters. */
export const unitInfo = z.strictObject({
  unitPrice: z.number().int().min(0),
  quantity: z.string().max(10).regex(/^\d+(\.\d{1,8})?$/, 'a decimal string like "23.418"'),
  quantityUnit: quantityUnit.optional()
});

/**
 * `OrderLine`. We send `taxRate` (hundredths of a percent, 2500 = 25 %), not the deprecated
 * `taxPercentage`; the current schema needs one of the two (API-NOTES §9, §13).
 */
export const orderLine = z
  .strictObject({
    name: z.string().min(1),
    id: z.string().min(1),
    totalAmount: z.number().int(),
    totalAmountExcludingTax: z.number().int(),
    totalTaxAmount: z.number().int(),
    taxRate: z.number().int().min(0).max(10_000).optional(),
    taxPercentage: z.number().int().min(0).max(100).optional(),
    unitInfo: unitInfo.optional(),
    discount: z.number().int().min(0).optional(),
    productUrl: z.string().optional(),
    isReturn: z.boolean().optional(),
    isShipping: z.boolean().optional()
  })
  .refine((l) => l.taxRate !== undefined || l.taxPercentage !== undefined, { message: 'taxRate or taxPercentage is required' });

export const bottomLine = z.strictObject({
  currency,
  tipAmount: z.number().int().min(0).optional(),
  posId: z.string().optional(),
  paymentSources: z
    .strictObject({
      giftCard: z.number().int().optional(),
      card: z.number().int().optional(),
      voucher: z.number().int().optional(),
      cash: z.number().int().optional()
    })
    .optional(),
  barcode: z.strictObject({ format: z.enum(['EAN-13', 'CODE 39', 'CODE 128']), data: z.string() }).optional(),
  receiptNumber: z.string().optional()
});

export const receipt = z.strictObject({ orderLines: z.array(orderLine).min(1), bottomLine });
export type OmReceipt = z.infer<typeof receipt>;

export const paymentType = z.enum(['ECOM', 'RECURRING']);
export type PaymentType = z.infer<typeof paymentType>;
/** `orderId` path parameter: `^[0-9A-Za-z-_\.]+$`. */
export const orderId = z.string().regex(/^[0-9A-Za-z\-_.]+$/, 'orderId may hold 0-9, A-Z, a-z, -, _ and .');
export const category = z.enum(['GENERAL', 'RECEIPT', 'ORDER_CONFIRMATION', 'DELIVERY', 'TICKET', 'BOOKING']);

/** `Order`, the body of `PUT /v2/{paymentType}/categories/{orderId}`. */
export const categoryRequest = z.strictObject({
  category,
  orderDetailsUrl: z.url(),
  imageId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[0-9A-Za-z\-_.]+$/)
    .optional()
});
export type CategoryRequest = z.infer<typeof categoryRequest>;

/** `OrderV2Response`; both halves are optional because either may not have been sent yet. */
export const orderResponse = z.object({
  category: z.object({ category: category.nullable().optional(), orderDetailsUrl: z.string().optional(), imageId: z.string().nullable().optional() }).nullable().optional(),
  receipt: z.object({ orderLines: z.array(z.object({ id: z.string(), name: z.string(), totalAmount: z.number() })), bottomLine: z.object({ currency: currency.nullable() }) }).nullable().optional()
});

// ─── ePayment bodies ───────────────────────────────────────────────────────────────────────────

/** `CreatePaymentRequest` (EP 1.4.1), with `receipt` from the current Order Management schema. */
export const createPaymentRequest = z
  .strictObject({
    amount,
    customer: customer.optional(),
    customerInteraction: z.enum(['CUSTOMER_PRESENT', 'CUSTOMER_NOT_PRESENT']).optional(),
    paymentMethod: z.strictObject({ type: paymentMethodType }),
    profile: z.strictObject({ scope: z.string().min(1) }).optional(),
    reference,
    returnUrl: z.string().min(1).optional(),
    userFlow,
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    qrFormat: z
      .strictObject({ format: z.enum(['TEXT/TARGETURL', 'IMAGE/SVG+XML', 'IMAGE/PNG']), size: z.number().int().min(100).max(2000).optional() })
      .optional(),
    paymentDescription: z.string().min(3).max(100).optional(),
    receipt: receipt.optional(),
    metadata: z
      .record(z.string().max(100), z.string().max(500))
      .refine((m) => Object.keys(m).length <= 5, 'at most 5 metadata pairs')
      .optional(),
    receiptUrl: z.string().min(1).optional()
  })
  // Cross-field rules from the `userFlow` description: WEB_REDIRECT needs returnUrl, PUSH_MESSAGE
  // needs customer; CARD works only with WEB_REDIRECT (PaymentMethodType).
  .refine((r) => r.userFlow !== 'WEB_REDIRECT' || r.returnUrl !== undefined, { message: 'returnUrl is required for WEB_REDIRECT', path: ['returnUrl'] })
  .refine((r) => r.userFlow !== 'PUSH_MESSAGE' || r.customer !== undefined, { message: 'customer is required for PUSH_MESSAGE', path: ['customer'] })
  .refine((r) => r.paymentMethod.type !== 'CARD' || r.userFlow === 'WEB_REDIRECT', { message: 'CARD needs userFlow WEB_REDIRECT', path: ['paymentMethod'] });
export type CreatePaymentRequest = z.input<typeof createPaymentRequest>;

export const createPaymentResponse = z.object({ redirectUrl: z.string().optional(), reference: z.string() });
export type CreatePaymentResponse = z.infer<typeof createPaymentResponse>;

export const aggregate = z.object({
  authorizedAmount: amount,
  cancelledAmount: amount,
  capturedAmount: amount,
  refundedAmount: amount
});

export const getPaymentResponse = z.object({
  aggregate,
  amount,
  state: paymentState,
  paymentMethod: z.object({ type: paymentMethodType, cardBin: z.string().optional() }),
  profile: z.object({ sub: z.string().optional() }),
  pspReference: z.string(),
  redirectUrl: z.string().optional(),
  reference: z.string(),
  metadata: z.record(z.string(), z.string()).nullable().optional()
});
export type GetPaymentResponse = z.infer<typeof getPaymentResponse>;

export const modificationRequest = z.strictObject({ modificationAmount: amount });
/** Cancel takes an optional body; `cancelTransactionOnly` is in the SDK types, not EP 1.4.1 (API-NOTES §6). */
export const cancelRequest = z.strictObject({ cancelTransactionOnly: z.boolean().optional() });

export const modificationResponse = z.object({
  amount,
  state: paymentState,
  aggregate,
  pspReference: z.string(),
  reference: z.string()
});
export type ModificationResponse = z.infer<typeof modificationResponse>;

/** `PaymentEvent`; `name` is required here although EP lists `paymentAction` by mistake (API-NOTES §13). */
export const paymentEvent = z.object({
  reference: z.string(),
  pspReference: z.string(),
  name: paymentEventName,
  amount,
  timestamp: z.string(),
  idempotencyKey: z.string().nullable().optional(),
  success: z.boolean()
});
export type PaymentEvent = z.infer<typeof paymentEvent>;
export const paymentEvents = z.array(paymentEvent);

export const forceApproveRequest = z.strictObject({ customer: customer.optional(), token: z.string().optional() });
export type ForceApproveRequest = z.infer<typeof forceApproveRequest>;

/** `WebhookEvent`: the body of an `epayments.payment.*.v1` delivery. */
export const webhookEvent = paymentEvent.extend({ msn: z.string() });

// ─── Webhooks v1 (webhooks-v1.yaml) ────────────────────────────────────────────────────────────

export const registerWebhookRequest = z.strictObject({ url: z.url(), events: z.array(z.string().min(1)).min(1) });
export type RegisterWebhookRequest = z.infer<typeof registerWebhookRequest>;
export const registerWebhookResponse = z.object({ id: z.string(), secret: z.string().min(1) });
export const webhookRegistration = z.object({ id: z.string(), url: z.string(), events: z.array(z.string()) });
export type WebhookRegistration = z.infer<typeof webhookRegistration>;
export const listWebhooksResponse = z.object({ webhooks: z.array(webhookRegistration) });

// ─── QR v1 (qr-v1.yaml) ────────────────────────────────────────────────────────────────────────

/** `MerchantRedirectQrRequest`: id `^[-_+%æøåÆØÅ\w\s]*$` (1–128), https redirect, ttl ≥ 300 s. */
export const merchantRedirectId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[-_+%æøåÆØÅ\w\s]*$/, 'id may hold letters, digits, spaces and - _ + %');
const httpsUrl = z.string().regex(/^https:\/\/[\w.]+([\w#!:.?+=&%@\-/]+)?$/, 'must be an https:// URL');
export const merchantRedirectRequest = z.strictObject({
  id: merchantRedirectId,
  redirectUrl: httpsUrl,
  ttl: z.number().int().min(300).max(2_147_483_647).optional()
});
export type MerchantRedirectRequest = z.infer<typeof merchantRedirectRequest>;
export const merchantRedirectUpdateRequest = z.strictObject({ redirectUrl: httpsUrl });
export const merchantRedirectResponse = z.object({
  id: z.string(),
  url: z.string(),
  redirectUrl: z.string(),
  expiresIn: z.number().int().optional()
});
export type MerchantRedirect = z.infer<typeof merchantRedirectResponse>;
export const merchantRedirectList = z.array(merchantRedirectResponse);

export const qrExchangeRequest = z.strictObject({ qrCode: z.string().min(1), requestedData: z.array(z.enum(['MSISDN'])).optional() });
export const qrExchangeResponse = z.object({ msisdn: z.string(), version: z.string(), timestamp: z.number().int().optional() });
export type QrExchangeResponse = z.infer<typeof qrExchangeResponse>;
