/**
 * Order Management API v2 (order-management-v2.yaml; API-NOTES §9): order lines ("receipt") and
 * the category link shown on a payment in the app.
 */
import { VippsError, type VippsHttp } from './http.js';
import {
  categoryRequest,
  orderId as orderIdSchema,
  orderResponse,
  paymentType as paymentTypeSchema,
  receipt as receiptSchema,
  type CategoryRequest,
  type OmReceipt,
  type PaymentType
} from './schemas.js';
import { z } from 'zod';

const PREFIX = '/order-management/v2';

export class OrderManagementApi {
  constructor(private readonly http: VippsHttp) {}

  /**
   * Adds order lines to an order. Receipts are once only: there is no update and a second POST
   * answers 409 (API-NOTES §9), which is reported as `'already-sent'` rather than as an error,
   * so a retried job after a crash finishes cleanly.
   */
  async sendReceipt(paymentType: PaymentType, orderId: string, receipt: OmReceipt): Promise<'sent' | 'already-sent'> {
    const operation = 'orderManagement.sendReceipt';
    const [type, id] = check(operation, paymentType, orderId);
    try {
      await this.http.request({
        operation,
        method: 'POST',
        path: `${PREFIX}/${type}/receipts/${id}`,
        body: receipt,
        requestSchema: receiptSchema,
        // A repeat after an unknown outcome is answered 409, which we read as "already sent".
        idempotent: true,
        // 201 with a string id; the id is not needed, so any body is accepted.
        response: { schema: z.unknown() }
      });
      return 'sent';
    } catch (err) {
      if (err instanceof VippsError && err.status === 409) return 'already-sent';
      throw err;
    }
  }

  /** Sets (overwrites) the category and its link; only the last one is shown in the app. */
  async setCategory(paymentType: PaymentType, orderId: string, body: CategoryRequest): Promise<void> {
    const operation = 'orderManagement.setCategory';
    const [type, id] = check(operation, paymentType, orderId);
    await this.http.request({
      operation,
      method: 'PUT',
      path: `${PREFIX}/${type}/categories/${id}`,
      body,
      requestSchema: categoryRequest,
      response: { schema: z.unknown() }
    });
  }

  /** `GET /v2/{paymentType}/{orderId}`: category and receipt as Vipps holds them. */
  async getOrder(paymentType: PaymentType, orderId: string): Promise<z.infer<typeof orderResponse>> {
    const operation = 'orderManagement.getOrder';
    const [type, id] = check(operation, paymentType, orderId);
    const { data } = await this.http.request({ operation, method: 'GET', path: `${PREFIX}/${type}/${id}`, response: { schema: orderResponse } });
    return data;
  }
}

function check(operation: string, paymentType: PaymentType, orderId: string): [string, string] {
  const t = paymentTypeSchema.safeParse(paymentType);
  const o = orderIdSchema.safeParse(orderId);
  if (!t.success) throw new VippsError({ operation, code: 'invalid-request', detail: `paymentType must be ECOM or RECURRING, got "${paymentType}"` });
  if (!o.success) throw new VippsError({ operation, code: 'invalid-request', detail: `orderId "${orderId}": ${o.error.issues[0].message}` });
  return [t.data, o.data];
}
