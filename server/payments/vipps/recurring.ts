/**
 * Recurring API v3 (recurring-v3.yaml; API-NOTES §10): the agreement a member accepts and the one
 * charge per day drawn on it. Every call that creates or changes something carries the caller's
 * Idempotency-Key (REC: required on POST/PATCH/DELETE, 1–40 characters, no `#?/\`).
 */
import { z } from 'zod';
import { VippsError, type VippsHttp } from './http.js';

const PREFIX = '/recurring/v3';

/** REC `Idempotency-Key`: 1–40 characters without `#`, `?`, `/` or `\`. */
export const recurringKey = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[^#?/\\]+$/, 'must not contain # ? / or \\');

const agreementId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const chargeId = z.string().regex(/^[A-Za-z0-9_-]{1,50}$/);

export const draftAgreementRequest = z.object({
  pricing: z.object({ type: z.literal('VARIABLE'), currency: z.literal('NOK'), suggestedMaxAmount: z.number().int().min(100).max(2_000_000) }),
  interval: z.object({ unit: z.enum(['YEAR', 'MONTH', 'WEEK', 'DAY']), count: z.number().int().min(1).max(31) }),
  merchantRedirectUrl: z.string().min(1).max(1024),
  merchantAgreementUrl: z.string().min(1).max(1024),
  productName: z.string().min(1).max(45),
  productDescription: z.string().max(100).optional(),
  phoneNumber: z.string().regex(/^\d{8,15}$/).optional(),
  externalId: z.string().min(1).max(64).optional()
});
export type DraftAgreementRequest = z.infer<typeof draftAgreementRequest>;

const draftAgreementResponse = z.object({ agreementId: z.string().min(1), uuid: z.string(), vippsConfirmationUrl: z.string().min(1) });

export const agreementStatus = z.enum(['PENDING', 'ACTIVE', 'STOPPED', 'EXPIRED']);
export type AgreementStatus = z.infer<typeof agreementStatus>;

export const agreementResponse = z.object({
  id: z.string(),
  status: agreementStatus,
  pricing: z.object({
    type: z.enum(['LEGACY', 'VARIABLE']),
    currency: z.string(),
    suggestedMaxAmount: z.number().int().optional(),
    maxAmount: z.number().int().optional(),
    amount: z.number().int().optional()
  }),
  interval: z.object({ unit: z.string().optional(), count: z.number().int().optional() }).passthrough(),
  productName: z.string(),
  start: z.string().nullable().optional(),
  stop: z.string().nullable().optional()
});
export type AgreementResponse = z.infer<typeof agreementResponse>;

export const createChargeRequest = z.object({
  amount: z.number().int().min(100),
  transactionType: z.enum(['DIRECT_CAPTURE', 'RESERVE_CAPTURE']),
  description: z.string().min(1).max(45),
  due: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  retryDays: z.number().int().min(0).max(14),
  orderId: z.string().min(1).max(50).regex(/^[a-zA-Z\d-]+$/).optional(),
  externalId: z.string().min(1).max(64).optional()
});
export type CreateChargeRequest = z.infer<typeof createChargeRequest>;

export const chargeStatus = z.enum(['PENDING', 'DUE', 'PROCESSING', 'RESERVED', 'CHARGED', 'PARTIALLY_CAPTURED', 'FAILED', 'CANCELLED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'UNKNOWN']);
export type ChargeStatus = z.infer<typeof chargeStatus>;

export const chargeResponse = z.object({
  id: z.string(),
  agreementId: z.string(),
  amount: z.number().int(),
  status: chargeStatus,
  due: z.string(),
  failureReason: z.string().nullable().optional(),
  failureDescription: z.string().nullable().optional(),
  summary: z.object({ captured: z.number().int(), refunded: z.number().int(), cancelled: z.number().int() })
});
export type ChargeResponse = z.infer<typeof chargeResponse>;

const patchAgreementRequest = z.union([
  z.object({ status: z.literal('STOPPED') }).strict(),
  z.object({ pricing: z.object({ suggestedMaxAmount: z.number().int().min(100).max(2_000_000) }).strict() }).strict()
]);

export class RecurringApi {
  constructor(private readonly http: VippsHttp) {}

  /** 201 `{agreementId, vippsConfirmationUrl}`; the agreement waits PENDING for the user. */
  async draftAgreement(body: DraftAgreementRequest, idempotencyKey: string): Promise<z.infer<typeof draftAgreementResponse>> {
    const { data } = await this.http.request({
      operation: 'recurring.draftAgreement',
      method: 'POST',
      path: `${PREFIX}/agreements`,
      body,
      requestSchema: draftAgreementRequest,
      idempotencyKey: key('recurring.draftAgreement', idempotencyKey),
      response: { schema: draftAgreementResponse }
    });
    return data;
  }

  async getAgreement(id: string): Promise<AgreementResponse> {
    const { data } = await this.http.request({
      operation: 'recurring.getAgreement',
      method: 'GET',
      path: `${PREFIX}/agreements/${pathPart('recurring.getAgreement', agreementId, id)}`,
      response: { schema: agreementResponse }
    });
    return data;
  }

  /** Stops the agreement (cannot be undone), or changes its suggested maximum (the user is not told). */
  async patchAgreement(id: string, body: z.infer<typeof patchAgreementRequest>, idempotencyKey: string): Promise<void> {
    await this.http.request({
      operation: 'recurring.patchAgreement',
      method: 'PATCH',
      path: `${PREFIX}/agreements/${pathPart('recurring.patchAgreement', agreementId, id)}`,
      body,
      requestSchema: patchAgreementRequest,
      idempotencyKey: key('recurring.patchAgreement', idempotencyKey),
      response: { none: true }
    });
  }

  /** 201 `{chargeId}`. A repeat with the same key and body answers the same chargeId (RECD). */
  async createCharge(agreement: string, body: CreateChargeRequest, idempotencyKey: string): Promise<string> {
    const { data } = await this.http.request({
      operation: 'recurring.createCharge',
      method: 'POST',
      path: `${PREFIX}/agreements/${pathPart('recurring.createCharge', agreementId, agreement)}/charges`,
      body,
      requestSchema: createChargeRequest,
      idempotencyKey: key('recurring.createCharge', idempotencyKey),
      response: { schema: z.object({ chargeId: z.string().min(1) }) }
    });
    return data.chargeId;
  }

  async getCharge(agreement: string, charge: string): Promise<ChargeResponse> {
    const { data } = await this.http.request({
      operation: 'recurring.getCharge',
      method: 'GET',
      path: `${PREFIX}/agreements/${pathPart('recurring.getCharge', agreementId, agreement)}/charges/${pathPart('recurring.getCharge', chargeId, charge)}`,
      response: { schema: chargeResponse }
    });
    return data;
  }
}

function key(operation: string, k: string): string {
  const r = recurringKey.safeParse(k);
  if (!r.success) throw new VippsError({ operation, code: 'invalid-request', detail: `Idempotency-Key "${k}": ${r.error.issues[0]!.message}` });
  return k;
}

function pathPart(operation: string, schema: z.ZodType<string>, v: string): string {
  const r = schema.safeParse(v);
  if (!r.success) throw new VippsError({ operation, code: 'invalid-request', detail: `bad id "${v}"` });
  return encodeURIComponent(r.data);
}
