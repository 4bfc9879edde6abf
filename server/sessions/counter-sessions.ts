/**
 * Charging started at the counter: the cashier opens a connector for a customer by their phone
 * number, and the reservation is pushed to their phone (`PUSH_MESSAGE`, `CUSTOMER_PRESENT`)
 * instead of opening in their browser. From there it is the same spine as a scanned connector:
 * authorized (webhook and polling, read back) → started → live → stopped → capture what was used
 * and cancel the rest → receipt.
 */
import { PaymentProviderError } from '../payments/errors.js';
import type { DriverActions } from './driver-actions.js';
import { ServiceError, type SessionCore, type SessionDeps } from './session-core.js';

/** What Vipps' refusals mean at the counter (TK errors.md). */
const REFUSALS: Record<string, string> = {
  '4070': 'Vipps MobilePay does not accept that phone number. Nothing was reserved.',
  '5080': 'This shop may not send payment requests to phones yet (PUSH_MESSAGE is not enabled). Nothing was reserved.',
  '7010': 'Vipps MobilePay has no user with that phone number. Nothing was reserved.'
};

export class CounterSessions {
  constructor(
    private readonly deps: SessionDeps,
    private readonly core: SessionCore,
    private readonly driver: DriverActions
  ) {}

  /**
   * Reserves `amountOre` on the connector for the customer with `msisdn` (already validated by the
   * caller). Returns the session and its capability, so the cashier can follow and stop it.
   */
  async start(input: { connectorId: string; amountOre: number; msisdn: string }): Promise<{ sessionId: string; token: string }> {
    if (!/^\d{10,15}$/.test(input.msisdn)) throw new ServiceError(400, 'The phone number must be an MSISDN, country code first.');
    const { id, token, reference, c } = await this.driver.openReservation(input);
    const description = `${c.station!.name}, connector ${c.connectorNo}, started at the counter`.slice(0, 100);
    try {
      await this.deps.payments.reservePushed({ reference, amountOre: input.amountOre, description, msisdn: input.msisdn, idempotencyKey: `${reference}-create` });
    } catch (err) {
      this.deps.logger.error({ err, sessionId: id }, 'could not push the reservation');
      await this.core.apply(id, { type: 'payment-failed', status: 'terminated' }).catch(() => undefined);
      const words = err instanceof PaymentProviderError && err.code ? REFUSALS[err.code] : undefined;
      if (words) throw new ServiceError(400, words, { cause: err });
      throw new ServiceError(502, 'Vipps MobilePay could not be reached. Nothing was reserved; please try again.', { cause: err });
    }
    this.deps.logger.info({ sessionId: id, connectorId: c.id, amountOre: input.amountOre }, 'reservation pushed from the counter');
    this.core.notifyConnector(c.id).catch(() => undefined);
    return { sessionId: id, token };
  }
}
