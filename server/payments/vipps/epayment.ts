/**
 * ePayment API v1 (epayment-v1.yml; API-NOTES §6): create, read and adjust payments.
 * Every money-moving call takes the caller's `Idempotency-Key`; the spec requires one on create,
 * capture, refund and cancel.
 */
import { VippsError, type VippsHttp } from './http.js';
import {
  cancelRequest,
  createPaymentRequest,
  createPaymentResponse,
  forceApproveRequest,
  getPaymentResponse,
  modificationRequest,
  modificationResponse,
  paymentEvents,
  reference as referenceSchema,
  type Amount,
  type CreatePaymentRequest,
  type CreatePaymentResponse,
  type ForceApproveRequest,
  type GetPaymentResponse,
  type ModificationResponse,
  type PaymentEvent
} from './schemas.js';

const PREFIX = '/epayment/v1';

export class EPaymentApi {
  constructor(private readonly http: VippsHttp) {}

  /** `POST /epayment/v1/payments` → 201 `{redirectUrl?, reference}`. */
  async create(body: CreatePaymentRequest, idempotencyKey: string): Promise<CreatePaymentResponse> {
    const { data } = await this.http.request({
      operation: 'epayment.create',
      method: 'POST',
      path: `${PREFIX}/payments`,
      body,
      requestSchema: createPaymentRequest,
      idempotencyKey: requireKey('epayment.create', idempotencyKey),
      response: { schema: createPaymentResponse }
    });
    return data;
  }

  async get(reference: string): Promise<GetPaymentResponse> {
    const { data } = await this.http.request({
      operation: 'epayment.get',
      method: 'GET',
      path: paymentPath('epayment.get', reference),
      response: { schema: getPaymentResponse }
    });
    return data;
  }

  /** The event log, oldest first. */
  async events(reference: string): Promise<PaymentEvent[]> {
    const { data } = await this.http.request({
      operation: 'epayment.events',
      method: 'GET',
      path: `${paymentPath('epayment.events', reference)}/events`,
      response: { schema: paymentEvents }
    });
    return data;
  }

  /** Captures `amount` (≤ authorized − cancelled − captured, else 6090). A retry must send the same key and amount. */
  capture(reference: string, amount: Amount, idempotencyKey: string): Promise<ModificationResponse> {
    return this.modify('capture', reference, { modificationAmount: amount }, idempotencyKey);
  }

  refund(reference: string, amount: Amount, idempotencyKey: string): Promise<ModificationResponse> {
    return this.modify('refund', reference, { modificationAmount: amount }, idempotencyKey);
  }

  /**
   * Releases everything not captured; before authorization it terminates the payment. With
   * `cancelTransactionOnly` it only cancels an unauthorized payment and answers 6060 on an
   * authorized one, leaving the reservation alone (API-NOTES §6, §12 A.5).
   */
  cancel(reference: string, idempotencyKey: string, options: { cancelTransactionOnly?: boolean } = {}): Promise<ModificationResponse> {
    const body = options.cancelTransactionOnly === undefined ? undefined : { cancelTransactionOnly: options.cancelTransactionOnly };
    return this.modify('cancel', reference, body, idempotencyKey);
  }

  /**
   * Test environment only: approves a payment without the app. Fails in production by design
   * (`POST /epayment/v1/test/payments/{reference}/approve`).
   */
  async forceApprove(reference: string, body: ForceApproveRequest = {}): Promise<void> {
    const ref = checkReference('epayment.forceApprove', reference);
    await this.http.request({
      operation: 'epayment.forceApprove',
      method: 'POST',
      path: `${PREFIX}/test/payments/${ref}/approve`,
      body,
      requestSchema: forceApproveRequest,
      // Approving twice is refused by Vipps rather than doing anything twice.
      idempotent: true,
      response: { none: true }
    });
  }

  private async modify(
    action: 'capture' | 'refund' | 'cancel',
    reference: string,
    body: unknown,
    idempotencyKey: string
  ): Promise<ModificationResponse> {
    const operation = `epayment.${action}`;
    const { data } = await this.http.request({
      operation,
      method: 'POST',
      path: `${paymentPath(operation, reference)}/${action}`,
      body,
      requestSchema: action === 'cancel' ? cancelRequest.optional() : modificationRequest,
      idempotencyKey: requireKey(operation, idempotencyKey),
      response: { schema: modificationResponse }
    });
    return data;
  }
}

function checkReference(operation: string, reference: string): string {
  const r = referenceSchema.safeParse(reference);
  if (!r.success) throw new VippsError({ operation, code: 'invalid-request', detail: `reference "${reference}": ${r.error.issues[0].message}` });
  return r.data;
}

function paymentPath(operation: string, reference: string): string {
  return `${PREFIX}/payments/${checkReference(operation, reference)}`;
}

/** The key is the caller's, derived from the session; a missing one is a bug, not something to paper over. */
export function requireKey(operation: string, key: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new VippsError({ operation, code: 'invalid-request', detail: 'an Idempotency-Key is required for this call' });
  }
  return key;
}
