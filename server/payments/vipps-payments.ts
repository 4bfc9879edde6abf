/**
 * plugpay's payment port on Vipps MobilePay: reservations on the ePayment API, receipts and the
 * receipt link on Order Management. Vipps' states and amounts are translated here and nowhere
 * else; errors come out as {@link PaymentProviderError} with the Vipps error as `cause`, unlogged.
 */

import type { Ore } from '../domain/money.js';
import { PaymentProviderError } from './errors.js';
import { callVipps, reservationSnapshot } from './vipps-adapter.js';
import type { PaymentNotification, PaymentPort, PushReserveRequest, Receipt, ReservationSnapshot, ReserveRequest } from './port.js';
import { fromAmount, toAmount } from './vipps/amount.js';
import type { EPaymentApi } from './vipps/epayment.js';
import type { OrderManagementApi } from './vipps/order-management.js';
import { webhookEvent, type OmReceipt } from './vipps/schemas.js';
import type { WebhooksApi } from './vipps/webhooks.js';

export interface VippsPaymentsDeps {
  epayment: EPaymentApi;
  orderManagement: OrderManagementApi;
  webhooks?: WebhooksApi;
}

export class VippsPayments implements PaymentPort {
  constructor(private readonly vipps: VippsPaymentsDeps) {}

  async reserve(req: ReserveRequest): Promise<{ redirectUrl: string }> {
    const res = await callVipps('reserve', req.reference, () =>
      this.vipps.epayment.create(
        {
          amount: toAmount(req.amountOre),
          paymentMethod: { type: 'WALLET' },
          // The driver stands at the charger, scanning its sticker (EPD customer-present payments).
          customerInteraction: 'CUSTOMER_PRESENT',
          userFlow: 'WEB_REDIRECT',
          returnUrl: req.returnUrl,
          reference: req.reference,
          paymentDescription: req.description
        },
        req.idempotencyKey
      )
    );
    if (!res.redirectUrl) {
      throw new PaymentProviderError(`Vipps created ${req.reference} but returned no redirectUrl`, {
        operation: 'reserve',
        reference: req.reference,
        retryable: false
      });
    }
    return { redirectUrl: res.redirectUrl };
  }

  async reservePushed(req: PushReserveRequest): Promise<void> {
    await callVipps('reservePushed', req.reference, () =>
      this.vipps.epayment.create(
        {
          amount: toAmount(req.amountOre),
          paymentMethod: { type: 'WALLET' },
          customer: { phoneNumber: req.msisdn },
          // At the counter, in front of the cashier (EPD customer-present payments; API-NOTES §12 C.2).
          customerInteraction: 'CUSTOMER_PRESENT',
          userFlow: 'PUSH_MESSAGE',
          reference: req.reference,
          paymentDescription: req.description
        },
        req.idempotencyKey
      )
    );
  }

  async getReservation(reference: string): Promise<ReservationSnapshot> {
    return reservationSnapshot(await callVipps('getReservation', reference, () => this.vipps.epayment.get(reference)));
  }

  async capture(reference: string, amountOre: Ore, idempotencyKey: string): Promise<ReservationSnapshot> {
    const amount = this.convert('capture', reference, amountOre);
    return reservationSnapshot(await callVipps('capture', reference, () => this.vipps.epayment.capture(reference, amount, idempotencyKey)));
  }

  async cancel(reference: string, idempotencyKey: string): Promise<ReservationSnapshot> {
    // A plain cancel: after authorization it releases authorized − captured; before, it terminates.
    return reservationSnapshot(await callVipps('cancel', reference, () => this.vipps.epayment.cancel(reference, idempotencyKey)));
  }

  async sendReceipt(reference: string, receipt: Receipt): Promise<'sent' | 'already-sent'> {
    const body = this.toOmReceipt(reference, receipt);
    return callVipps('sendReceipt', reference, () => this.vipps.orderManagement.sendReceipt('ECOM', reference, body));
  }

  async setReceiptLink(reference: string, url: string): Promise<void> {
    await callVipps('setReceiptLink', reference, () =>
      this.vipps.orderManagement.setCategory('ECOM', reference, { category: 'RECEIPT', orderDetailsUrl: url })
    );
  }

  /**
   * Makes sure plugpay's webhook registration exists for `url` with at least `events`. Vipps
   * returns the secret only when a registration is created, so the caller must persist a returned
   * secret; `secret: undefined` means "already registered, keep the one you stored".
   * Registrations for the same URL with fewer events are replaced (deleted after the new one exists).
   */
  async ensureWebhook(url: string, events: string[]): Promise<{ id: string; secret: string } | { id: string; secret: undefined }> {
    const webhooks = this.vipps.webhooks;
    if (!webhooks) throw new Error('ensureWebhook needs the Webhooks API');
    const existing = await callVipps('ensureWebhook', undefined, () => webhooks.list());
    const sameUrl = existing.filter((w) => w.url === url);
    const covering = sameUrl.find((w) => events.every((e) => w.events.includes(e)));
    if (covering) return { id: covering.id, secret: undefined };
    const created = await callVipps('ensureWebhook', undefined, () => webhooks.register(url, events));
    for (const old of sameUrl) await callVipps('ensureWebhook', undefined, () => webhooks.delete(old.id));
    return created;
  }

  private toOmReceipt(reference: string, receipt: Receipt): OmReceipt {
    for (const l of receipt.lines) {
      if (l.netOre + l.vatOre !== l.totalOre) {
        throw new PaymentProviderError(`receipt line ${l.id} of ${reference}: net ${l.netOre} + VAT ${l.vatOre} ≠ total ${l.totalOre}`, {
          operation: 'sendReceipt',
          reference,
          retryable: false
        });
      }
    }
    return {
      orderLines: receipt.lines.map((l) => ({
        name: l.name,
        id: l.id,
        totalAmount: l.totalOre,
        totalAmountExcludingTax: l.netOre,
        totalTaxAmount: l.vatOre,
        // taxRate is in hundredths of a percent, the same scale as plugpay's basis points (2500 = 25 %).
        taxRate: l.vatRateBp,
        ...(l.quantity !== undefined && l.unitPriceOre !== undefined
          ? { unitInfo: { unitPrice: l.unitPriceOre, quantity: l.quantity, quantityUnit: l.unit ?? 'PCS' } }
          : {})
      })),
      bottomLine: {
        currency: 'NOK',
        ...(receipt.posId !== undefined ? { posId: receipt.posId } : {}),
        ...(receipt.receiptNumber !== undefined ? { receiptNumber: receipt.receiptNumber } : {})
      }
    };
  }

  private convert(operation: string, reference: string, ore: Ore) {
    try {
      return toAmount(ore);
    } catch (cause) {
      throw new PaymentProviderError(`${operation} ${reference}: ${(cause as Error).message}`, { operation, reference, retryable: false, cause });
    }
  }
}

const notification = webhookEvent.transform(
  (e): PaymentNotification => ({
    reference: e.reference,
    pspReference: e.pspReference,
    name: e.name,
    amountOre: fromAmount(e.amount, e.amount.currency),
    success: e.success,
    timestamp: e.timestamp
  })
);

/**
 * Parses an ePayment webhook body (EP `WebhookEvent`) into plugpay's words; null when it is not
 * one. Verify the signature on the raw bytes first (webhook-verifier.ts); this only reads the JSON.
 */
export function parseWebhookNotification(body: unknown): PaymentNotification | null {
  const r = notification.safeParse(body);
  return r.success ? r.data : null;
}

