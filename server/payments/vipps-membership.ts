/**
 * The membership port on Vipps MobilePay: Recurring v3 for the agreement and the daily charges,
 * Order Management for each charge's receipt (paymentType RECURRING, orderId = the chargeId;
 * API-NOTES §9, §10). One state table each way, errors wrapped with their cause, no logging.
 */
import type { Receipt } from '../domain/receipt.js';
import type { AgreementSnapshot, AgreementState, DailyChargeSnapshot, DailyChargeState, DraftAgreement, MembershipPort, NewDailyCharge } from './membership-port.js';
import { PaymentProviderError } from './errors.js';
import { VippsError } from './vipps/http.js';
import type { OrderManagementApi } from './vipps/order-management.js';
import type { AgreementStatus, ChargeStatus, RecurringApi } from './vipps/recurring.js';
import type { OmReceipt } from './vipps/schemas.js';

const AGREEMENT: Record<AgreementStatus, AgreementState> = { PENDING: 'pending', ACTIVE: 'active', STOPPED: 'stopped', EXPIRED: 'expired' };

const CHARGE: Record<ChargeStatus, DailyChargeState> = {
  PENDING: 'waiting',
  DUE: 'waiting',
  PROCESSING: 'waiting',
  UNKNOWN: 'waiting',
  // A DIRECT_CAPTURE charge is not left RESERVED; if it were, the money is held, not taken: wait.
  RESERVED: 'waiting',
  CHARGED: 'charged',
  PARTIALLY_CAPTURED: 'charged',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  PARTIALLY_REFUNDED: 'refunded',
  REFUNDED: 'refunded'
};

export class VippsMembership implements MembershipPort {
  constructor(private readonly vipps: { recurring: RecurringApi; orderManagement: OrderManagementApi }) {}

  async draftAgreement(d: DraftAgreement): Promise<{ agreementId: string; confirmationUrl: string }> {
    const r = await this.call('draftAgreement', undefined, () =>
      this.vipps.recurring.draftAgreement(
        {
          pricing: { type: 'VARIABLE', currency: 'NOK', suggestedMaxAmount: d.suggestedMaxOre },
          interval: { unit: 'DAY', count: 1 },
          merchantRedirectUrl: d.redirectUrl,
          merchantAgreementUrl: d.agreementUrl,
          productName: d.productName,
          ...(d.phoneNumber ? { phoneNumber: d.phoneNumber } : {})
        },
        d.idempotencyKey
      )
    );
    return { agreementId: r.agreementId, confirmationUrl: r.vippsConfirmationUrl };
  }

  async getAgreement(agreementId: string): Promise<AgreementSnapshot> {
    const a = await this.call('getAgreement', agreementId, () => this.vipps.recurring.getAgreement(agreementId));
    return {
      id: a.id,
      state: AGREEMENT[a.status],
      suggestedMaxOre: a.pricing.suggestedMaxAmount ?? 0,
      // Until accepted the document still returns maxAmount (= the suggestion): only trust it once active.
      ...(a.status === 'ACTIVE' || a.status === 'STOPPED' ? { maxOre: a.pricing.maxAmount } : {})
    };
  }

  async stopAgreement(agreementId: string, idempotencyKey: string): Promise<void> {
    await this.call('stopAgreement', agreementId, () => this.vipps.recurring.patchAgreement(agreementId, { status: 'STOPPED' }, idempotencyKey));
  }

  async changeSuggestedMax(agreementId: string, suggestedMaxOre: number, idempotencyKey: string): Promise<void> {
    await this.call('changeSuggestedMax', agreementId, () => this.vipps.recurring.patchAgreement(agreementId, { pricing: { suggestedMaxAmount: suggestedMaxOre } }, idempotencyKey));
  }

  async createDailyCharge(agreementId: string, c: NewDailyCharge): Promise<string> {
    return this.call('createDailyCharge', agreementId, () =>
      this.vipps.recurring.createCharge(agreementId, { amount: c.amountOre, transactionType: 'DIRECT_CAPTURE', description: c.description, due: c.due, retryDays: c.retryDays }, c.idempotencyKey)
    );
  }

  async getDailyCharge(agreementId: string, chargeId: string): Promise<DailyChargeSnapshot> {
    const ch = await this.call('getDailyCharge', chargeId, () => this.vipps.recurring.getCharge(agreementId, chargeId));
    return {
      id: ch.id,
      state: CHARGE[ch.status],
      amountOre: ch.amount,
      capturedOre: ch.summary.captured,
      ...(ch.failureReason ? { failureReason: ch.failureReason } : {})
    };
  }

  async sendChargeReceipt(chargeId: string, receipt: Receipt): Promise<'sent' | 'already-sent'> {
    return this.call('sendChargeReceipt', chargeId, () => this.vipps.orderManagement.sendReceipt('RECURRING', chargeId, toOmReceipt(chargeId, receipt)));
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

function toOmReceipt(chargeId: string, receipt: Receipt): OmReceipt {
  for (const l of receipt.lines) {
    if (l.netOre + l.vatOre !== l.totalOre) {
      throw new PaymentProviderError(`receipt line ${l.id} of ${chargeId}: net + VAT ≠ total`, { operation: 'sendChargeReceipt', reference: chargeId, retryable: false });
    }
  }
  return {
    orderLines: receipt.lines.map((l) => ({
      name: l.name,
      id: l.id,
      totalAmount: l.totalOre,
      totalAmountExcludingTax: l.netOre,
      totalTaxAmount: l.vatOre,
      taxRate: l.vatRateBp,
      // One line per session, fees included: its kWh are in the name. A unit price would only be
      // an average over energy and fees, so none is sent.
      ...(l.quantity !== undefined && l.unitPriceOre !== undefined ? { unitInfo: { unitPrice: l.unitPriceOre, quantity: l.quantity, quantityUnit: l.unit ?? 'PCS' } } : {})
    })),
    bottomLine: { currency: 'NOK', ...(receipt.receiptNumber !== undefined ? { receiptNumber: receipt.receiptNumber } : {}) }
  };
}
