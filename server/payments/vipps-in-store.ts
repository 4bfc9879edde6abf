/**
 * The in-store payment port on Vipps MobilePay: PUSH_MESSAGE payments on the ePayment API with
 * the receipt attached, and the personal-QR exchange on the QR API. Errors come out as
 * {@link PaymentProviderError} with the Vipps error as `cause` and its code (4060 invalid
 * personal QR, 4070 invalid phone number, 5080 PUSH_MESSAGE not allowed), unlogged.
 */
import type { Ore } from '../domain/money.js';
import type { Receipt } from '../domain/receipt.js';
import { PaymentProviderError } from './errors.js';
import type { InStorePayments, PushPaymentRequest } from './in-store.js';
import type { ReservationSnapshot, ReservationStatus } from './port.js';
import { fromAmount, toAmount } from './vipps/amount.js';
import type { EPaymentApi } from './vipps/epayment.js';
import { VippsError } from './vipps/errors.js';
import type { QrApi } from './vipps/qr.js';
import type { GetPaymentResponse, ModificationResponse, OmReceipt, PaymentState } from './vipps/schemas.js';

const STATUS: Record<PaymentState, ReservationStatus> = {
  CREATED: 'pending',
  AUTHORIZED: 'authorized',
  ABORTED: 'rejected',
  EXPIRED: 'expired',
  TERMINATED: 'terminated'
};

export class VippsInStore implements InStorePayments {
  constructor(private readonly vipps: { epayment: EPaymentApi; qr: QrApi }) {}

  async push(req: PushPaymentRequest): Promise<void> {
    await this.call('push', req.reference, () =>
      this.vipps.epayment.create(
        {
          amount: toAmount(req.amountOre),
          paymentMethod: { type: 'WALLET' },
          // Always the complete scanned content: its format may change without notice (EP `PersonalQrCode`).
          customer: req.customer.kind === 'personal_qr' ? { personalQr: req.customer.content } : { phoneNumber: req.customer.msisdn },
          // Mandatory in a shop (EPD customer-present payments; API-NOTES §12 C.2).
          customerInteraction: 'CUSTOMER_PRESENT',
          userFlow: 'PUSH_MESSAGE',
          reference: req.reference,
          paymentDescription: req.description,
          receipt: omReceipt(req.receipt)
        },
        req.idempotencyKey
      )
    );
  }

  async personalQrPhone(content: string): Promise<string> {
    return (await this.call('personalQrPhone', undefined, () => this.vipps.qr.exchange(content))).msisdn;
  }

  async get(reference: string): Promise<ReservationSnapshot> {
    return snapshot(await this.call('get', reference, () => this.vipps.epayment.get(reference)));
  }

  async capture(reference: string, amountOre: Ore, idempotencyKey: string): Promise<ReservationSnapshot> {
    return snapshot(await this.call('capture', reference, () => this.vipps.epayment.capture(reference, toAmount(amountOre), idempotencyKey)));
  }

  async cancel(reference: string, idempotencyKey: string): Promise<ReservationSnapshot> {
    return snapshot(await this.call('cancel', reference, () => this.vipps.epayment.cancel(reference, idempotencyKey)));
  }

  async refund(reference: string, amountOre: Ore, idempotencyKey: string): Promise<ReservationSnapshot> {
    return snapshot(await this.call('refund', reference, () => this.vipps.epayment.refund(reference, toAmount(amountOre), idempotencyKey)));
  }

  private async call<T>(operation: string, reference: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      const v = cause instanceof VippsError ? cause : undefined;
      throw new PaymentProviderError(`Vipps MobilePay ${reference ? `${operation} ${reference}` : operation} failed: ${(cause as Error)?.message ?? String(cause)}`, {
        operation,
        reference,
        retryable: v?.retryable ?? false,
        code: v?.code,
        status: v?.status,
        retryAfterMs: v?.retryAfterMs,
        cause
      });
    }
  }
}

/**
 * plugpay's receipt → Order Management `Receipt`. Each line carries `taxRate` (hundredths of a
 * percent, current OM) and, for whole percentages, `taxPercentage` too: ePayment 1.4.1 embeds OM
 * 2.3.24, which requires `taxPercentage` (API-NOTES §9, §13), so the body satisfies both.
 */
export function omReceipt(receipt: Receipt): OmReceipt {
  return {
    orderLines: receipt.lines.map((l) => ({
      name: l.name,
      id: l.id,
      totalAmount: l.totalOre,
      totalAmountExcludingTax: l.netOre,
      totalTaxAmount: l.vatOre,
      taxRate: l.vatRateBp,
      ...(l.vatRateBp % 100 === 0 ? { taxPercentage: l.vatRateBp / 100 } : {}),
      ...(l.quantity !== undefined && l.unitPriceOre !== undefined ? { unitInfo: { unitPrice: l.unitPriceOre, quantity: l.quantity, quantityUnit: l.unit ?? 'PCS' } } : {})
    })),
    bottomLine: {
      currency: 'NOK',
      ...(receipt.posId !== undefined ? { posId: receipt.posId } : {}),
      ...(receipt.receiptNumber !== undefined ? { receiptNumber: receipt.receiptNumber } : {})
    }
  };
}

function snapshot(p: GetPaymentResponse | ModificationResponse): ReservationSnapshot {
  const a = p.aggregate;
  return {
    reference: p.reference,
    status: STATUS[p.state],
    amountOre: fromAmount(p.amount),
    authorizedOre: fromAmount(a.authorizedAmount),
    capturedOre: fromAmount(a.capturedAmount),
    cancelledOre: fromAmount(a.cancelledAmount),
    refundedOre: fromAmount(a.refundedAmount)
  };
}
