/**
 * What the payment provider tells plugpay, by webhook or by polling ("webhooks AND polling"):
 * both only hint; the payment's state is read from the provider before a session moves.
 */
import { type SessionEvent } from '../domain/session.js';
import type { PaymentNotification, ReservationSnapshot } from '../payments/port.js';
import type { SessionCore, SessionDeps } from './session-core.js';

/**
 * A payment Vipps has never heard of this long after the session was opened was never created
 * (plugpay died between writing the session and calling Vipps): the session is a ghost. The
 * create call gives up well before this (client timeouts and retries).
 */
const GHOST_AFTER_MS = 45_000;

export class PaymentEvents {
  constructor(
    private readonly deps: SessionDeps,
    private readonly core: SessionCore
  ) {}

  paymentEvent(status: ReservationSnapshot['status'], amountOre: number): SessionEvent | null {
    switch (status) {
      case 'authorized':
        return { type: 'payment-authorized', amountOre };
      case 'rejected':
      case 'expired':
      case 'terminated':
        return { type: 'payment-failed', status };
      default:
        return null;
    }
  }

  /** A verified webhook. Duplicates and replays are harmless: the state machine ignores them. */
  async onPaymentNotification(n: PaymentNotification): Promise<void> {
    const s = await this.deps.stores.sessions.findBy(this.deps.db, 'payment_reference', n.reference);
    if (!s) {
      this.deps.logger.warn({ reference: n.reference, name: n.name }, 'webhook for an unknown payment');
      return;
    }
    if (!n.success || !['AUTHORIZED', 'ABORTED', 'EXPIRED', 'TERMINATED'].includes(n.name)) return;
    if (await this.deps.stores.notifications.seen(this.deps.db, n)) return;
    // A webhook is a hint, never the fact: whoever holds the webhook secret could sign one. The
    // payment's state is read from the ePayment API (GET /payments/{reference}) before anything
    // starts a charger or releases a reservation. The delivery counts as handled only once that
    // read succeeded: if it fails, the webhook is not acknowledged and Vipps delivers it again
    // (polling would not: it follows only payments still awaiting approval).
    await this.pollPayment(s.id);
    await this.deps.stores.notifications.recordOnce(this.deps.db, n, this.deps.clock.now());
  }

  /** Polling, the other half of "webhooks AND polling". */
  async pollPayment(sessionId: string): Promise<void> {
    const s = await this.deps.stores.sessions.find(this.deps.db, sessionId);
    // A released session may still learn of a late authorization: it is released again (settle).
    const lateAuthorization = s?.state === 'failed' && s.authorizedOre === undefined;
    if (!s || (s.state !== 'awaiting_payment' && !lateAuthorization)) return;
    let snap: ReservationSnapshot;
    try {
      snap = await this.deps.payments.getReservation(s.paymentReference);
    } catch (err) {
      // A payment that was never created (plugpay died between writing the session and calling
      // Vipps) is a ghost holding the connector: it ends once the create call is surely over.
      if ((err as { status?: number }).status === 404 && this.deps.clock.now().getTime() - s.createdAt.getTime() > GHOST_AFTER_MS) {
        await this.core.apply(s.id, { type: 'payment-failed', status: 'terminated' });
        return;
      }
      throw err;
    }
    if (lateAuthorization && snap.status !== 'authorized') return;
    const event = this.paymentEvent(snap.status, snap.authorizedOre || snap.amountOre);
    if (event) await this.core.apply(s.id, event);
  }

  async pollPendingPayments(): Promise<void> {
    const pending = await this.deps.stores.sessions.inStates(this.deps.db, ['awaiting_payment']);
    for (const s of pending) {
      await this.pollPayment(s.id).catch((err) => this.deps.logger.warn({ err, sessionId: s.id }, 'payment poll failed'));
    }
  }
}
