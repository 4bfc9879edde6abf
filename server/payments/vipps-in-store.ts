/**
 * The in-store payment port on Vipps MobilePay: PUSH_MESSAGE payments on the ePayment API with
 * the receipt attached, and the personal-QR exchange on the QR API. Errors come out as
 * {@link PaymentProviderError} with the Vipps error as `cause` and its code (4060 invalid
 * personal QR, 4070 invalid phone number, 5080 PUSH_MESSAGE not allowed), unlogged.
 */
import type { Ore } from '../domain/money.js';
import type { Receipt } from '../domain/receipt.js';
import type { PaymentProviderError } from './errors.js';
import { callVipps, reservationSnapshot } from './vipps-adapter.js';
import type { InStorePayments, PushPaymentRequest } from './in-store.js';
import type { ReservationSnapshot } from './port.js';
import { toAmount } from './vipps/amount.js';
import type { EPaymentApi } from './vipps/epayment.js';
import type { QrApi } from './vipps/qr.js';
import type { OmReceipt } from './vipps/schemas.js';

export class VippsInStore implements InStorePayments {
  constructor(private readonly vipps: { epayment: EPaymentApi; qr: QrApi }) {}

  async push(req: PushPaymentRequest): Promise<void> {
    await callVipps('push', req.reference, () =>
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
    return (await callVipps('personalQrPhone', undefined, () => this.vipps.qr.exchange(content))).msisdn;
  }

  async get(reference: string): Promise<ReservationSnapshot> {
    return reservationSnapshot(await callVipps('get', reference, () => this.vipps.epayment.get(reference)));
  }

  async capture(reference: string, amountOre: Ore, idempotencyKey: string): Promise<ReservationSnapshot> {
    return reservationSnapshot(await callVipps('capture', reference, () => this.vipps.epayment.capture(reference, toAmount(amountOre), idempotencyKey)));
  }

  async cancel(reference: string, idempotencyKey: string): Promise<ReservationSnapshot> {
    return reservationSnapshot(await callVipps('cancel', reference, () => this.vipps.epayment.cancel(reference, idempotencyKey)));
  }

  async refund(reference: string, amountOre: Ore, idempotencyKey: string): Promise<ReservationSnapshot> {
    return reservationSnapshot(await callVipps('refund', reference, () => this.vipps.epayment.refund(reference, toAmount(amountOre), idempotencyKey)));
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

