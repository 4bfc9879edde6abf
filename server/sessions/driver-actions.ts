/**
 * What a driver does: open a session with a reservation, look at it, stop it.
 */
import type { SessionView, StartSessionResult } from '../../src/lib/shared/api.js';
import { transition } from '../domain/session.js';
import type { SessionRecord } from '../store/session-repository.js';
import { hashToken } from './ports.js';
import type { PaymentEvents } from './payment-events.js';
import type { SessionReadModels } from './read-models.js';
import { ServiceError, type SessionCore, type SessionDeps } from './session-core.js';

export class DriverActions {
  constructor(
    private readonly deps: SessionDeps,
    private readonly core: SessionCore,
    private readonly views: SessionReadModels,
    private readonly paymentEvents: PaymentEvents
  ) {}

  async sessionView(sessionId: string, token: string | undefined): Promise<SessionView> {
    const s = await this.views.authorized(sessionId, token);
    if (s.state === 'awaiting_payment') {
      // The driver is back from the app: ask the provider now rather than wait for the webhook.
      await this.paymentEvents.pollPayment(s.id).catch((err) => this.deps.logger.warn({ err, sessionId: s.id }, 'payment poll failed'));
      return this.views.view((await this.deps.stores.sessions.find(this.deps.db, s.id))!);
    }
    return this.views.view(this.deps.live.freshest(s));
  }

  async startSession(input: { connectorId: string; amountOre: number }): Promise<StartSessionResult> {
    const { publicUrl } = this.deps.settings;
    const { id, token, reference, c } = await this.openReservation(input);
    const time = new Intl.DateTimeFormat('nb-NO', { timeZone: 'Europe/Oslo', hour: '2-digit', minute: '2-digit' }).format(this.deps.clock.now());
    const description = `${c.station!.name}, connector ${c.connectorNo}, ${time}`.slice(0, 100);
    try {
      const { redirectUrl } = await this.deps.payments.reserve({
        reference,
        amountOre: input.amountOre,
        description,
        returnUrl: `${publicUrl}/s/${id}?t=${token}`,
        idempotencyKey: `${reference}-create`
      });
      await this.deps.stores.sessions.setPaymentUrl(this.deps.db, id, redirectUrl);
      this.deps.logger.info({ sessionId: id, connectorId: c.id, amountOre: input.amountOre }, 'reservation created');
      this.core.notifyConnector(c.id).catch(() => undefined);
      return { sessionId: id, token, redirectUrl };
    } catch (err) {
      this.deps.logger.error({ err, sessionId: id }, 'could not create the reservation');
      await this.core.apply(id, { type: 'payment-failed', status: 'terminated' }).catch(() => undefined);
      throw new ServiceError(502, 'Vipps MobilePay could not be reached. Nothing was reserved; please try again.', { cause: err });
    }
  }

  /**
   * Opens a session awaiting payment on the connector (locked, so two cannot both reserve it),
   * superseding a reservation someone walked away from. The caller then asks for the payment:
   * a WEB_REDIRECT reservation here, a pushed one at the counter (counter-sessions.ts).
   */
  async openReservation(input: { connectorId: string; amountOre: number }) {
    const { reserve } = this.deps.settings;
    if (!Number.isSafeInteger(input.amountOre) || input.amountOre < reserve.minOre || input.amountOre > reserve.maxOre) {
      throw new ServiceError(400, `The amount must be between ${reserve.minOre / 100} and ${reserve.maxOre / 100} kr.`);
    }
    const id = this.deps.ids.sessionId();
    const token = this.deps.ids.sessionToken();
    const reference = `plugpay-${id}`;
    let superseded: SessionRecord | undefined;
    const { c } = await this.deps.db.transaction(async (tx) => {
      // Lock the connector row: two drivers scanning at once cannot both reserve it.
      if (!(await this.deps.stores.stations.lockConnector(tx, input.connectorId))) throw new ServiceError(404, 'No such connector.');
      const c = (await this.deps.stores.stations.connector(tx, input.connectorId))!;
      let live = await this.deps.stores.sessions.liveOnConnector(tx, input.connectorId);
      if (live && this.views.abandoned(live)) {
        // Someone scanned and walked away without approving: the next driver may have the connector.
        const t = transition(live, { type: 'abandoned' }, { meterIntervalSeconds: this.deps.settings.meterIntervalSeconds });
        superseded = await this.deps.stores.sessions.update(tx, { ...live, ...t.session }, this.deps.clock.now());
        for (const cmd of t.commands) await this.core.enqueue(tx, superseded, cmd);
        live = null;
      }
      const a = this.views.availability(c, live);
      if (!a.available) throw new ServiceError(409, a.reason ?? 'The connector is not available.');
      const session = await this.deps.stores.sessions.insert(tx, {
        id,
        tokenHash: hashToken(token),
        connectorId: c.id,
        chargerId: c.chargerId,
        connectorNo: c.connectorNo,
        state: 'awaiting_payment',
        paymentReference: reference,
        idTag: `PP${id.toUpperCase()}`,
        reservedOre: input.amountOre,
        tariff: c.tariff!,
        energyWh: 0,
        powerW: 0,
        maxPowerW: c.maxPowerW,
        createdAt: this.deps.clock.now()
      });
      return { session, c };
    });
    if (superseded) {
      this.core.wakeWorker();
      await this.core.publish(superseded);
    }
    return { id, token, reference, c };
  }

  /**
   * The session that holds a connector now (a reservation left unapproved too long holds
   * nothing), for the connector's page to recognise the driver's own session by its cookie.
   */
  async sessionOnConnector(connectorId: string): Promise<string | null> {
    const live = await this.deps.stores.sessions.liveOnConnector(this.deps.db, connectorId);
    return live && !this.views.abandoned(live) ? live.id : null;
  }

  /** Where a driver who left the approval page goes back to the same payment. */
  async paymentUrl(sessionId: string, token: string | undefined): Promise<string> {
    const s = await this.views.authorized(sessionId, token, 'stop');
    if (s.state !== 'awaiting_payment' || this.views.abandoned(s) || !s.paymentUrl) {
      throw new ServiceError(409, 'This payment no longer waits for approval.');
    }
    return s.paymentUrl;
  }

  /** The driver changed their mind before approving: the payment is cancelled, the connector freed. */
  async cancelPayment(sessionId: string, token: string | undefined): Promise<SessionView> {
    const s = await this.views.authorized(sessionId, token, 'stop');
    if (s.state === 'awaiting_payment') await this.core.apply(s.id, { type: 'cancelled-by-driver' });
    return this.views.view((await this.deps.stores.sessions.find(this.deps.db, s.id))!);
  }

  async stopSession(sessionId: string, token: string | undefined): Promise<SessionView> {
    const s = await this.views.authorized(sessionId, token, 'stop');
    // While stopping, pressing Stop again sends the stop again at once (the charger may have ignored it).
    if (s.state === 'charging' || s.state === 'stopping') await this.core.apply(s.id, { type: 'stop-requested', by: 'driver' });
    return this.views.view((await this.deps.stores.sessions.find(this.deps.db, s.id))!);
  }
}
