/**
 * Drop-in charging: open a session, reserve with the payment provider, start the charger, follow
 * the meter, stop, and settle. Every state change goes through the pure state machine
 * (domain/session.ts) inside one database transaction that also writes the outbox jobs the
 * change needs; charger commands run after the commit.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ConnectorView, OperatorStationView, ReceiptView, SessionView, StartSessionResult } from '../../src/lib/shared/api.js';
import type { ChargerCommands, ChargerListener, ChargerOffline, ChargerOnline, ConnectorStatusChanged, IdTagVerdict, MeterSampled, TransactionStarted, TransactionStopped } from '../chargers/port.js';
import { ChargerUnavailableError } from '../chargers/port.js';
import { buildReceipt, receiptTotals } from '../domain/receipt.js';
import { isLive, runningCost, transition, usageOf, type SessionCommand, type SessionEvent } from '../domain/session.js';
import type { Logger } from '../log.js';
import type { PaymentNotification, PaymentPort, ReservationSnapshot } from '../payments/port.js';
import type { Db, Queryable } from '../store/db.js';
import { NotificationRepository } from '../store/notification-repository.js';
import { OutboxRepository } from '../store/outbox-repository.js';
import { SessionRepository, type SessionRecord } from '../store/session-repository.js';
import { StationRepository, type ConnectorRecord } from '../store/station-repository.js';
import { hashToken, systemClock, randomIds, type Clock, type Ids } from './ports.js';
import { receiptToken, verifyReceiptToken } from './receipt-token.js';
import { LiveSessions } from './live-sessions.js';

export interface ChargingSettings {
  publicUrl: string;
  meterIntervalSeconds: number;
  startTimeoutSeconds: number;
  offlineGraceSeconds: number;
  reserve: { defaultOre: number; minOre: number; maxOre: number; presetsOre: number[] };
  termsUrl: string;
  /**
   * How long a stop may go unconfirmed (no StopTransaction) before the connector is taken out of
   * service and the operator alerted; the stop keeps being retried after that. Default 180 s.
   */
  stopDeadlineSeconds?: number;
  /** How long meter readings wait in memory before they are written, in a batch. Default 250 ms. */
  meterFlushMs?: number;
}

/** Thrown by a job that must run again later, at a pace it chooses (the worker honours retryAfterMs). */
export class RetryLater extends Error {
  constructor(message: string, public readonly retryAfterMs: number) {
    super(message);
    this.name = 'RetryLater';
  }
}

/** Tells connected screens that something changed; the realtime layer implements it. */
export interface ChangeNotifier {
  sessionChanged(view: SessionView): void;
  connectorChanged(c: { connectorId: string; status: ConnectorView['status']; available: boolean }): void;
  stationChanged(stationId: string): void;
}

export const silentNotifier: ChangeNotifier = { sessionChanged() {}, connectorChanged() {}, stationChanged() {} };

export class ServiceError extends Error {
  constructor(
    public readonly status: 400 | 403 | 404 | 409 | 502 | 503,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options);
    this.name = 'ServiceError';
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Approving in the app takes well under a minute; two minutes of silence means the driver left. */
const ABANDON_AFTER_MS = 2 * 60_000;

/**
 * A payment Vipps has never heard of this long after the session was opened was never created
 * (plugpay died between writing the session and calling Vipps): the session is a ghost. The
 * create call gives up well before this (client timeouts and retries).
 */
const GHOST_AFTER_MS = 45_000;

/** Retries of RemoteStart while the charger is away (e.g. reconnecting after a restart of plugpay). */
const START_RETRY_MS = 2_000;

/** Backoff of a stop that was refused, ignored or could not be sent: 1 s doubling to 30 s. */
const stopRetryMs = (attempts: number) => Math.min(30_000, 1000 * 2 ** Math.max(0, attempts - 1));

/** How long a connector's names are trusted from memory on the meter path. */
const CONNECTOR_INFO_TTL_MS = 30_000;
/** The operators' map gets a station's figures at most this often. */
const STATION_TICK_MS = 1_000;

const OFFLINE_TEXT = 'The charger lost its connection. You pay only for the energy measured before it went offline.';

export class ChargingService implements ChargerListener {
  private readonly sessions = new SessionRepository();
  private readonly stations = new StationRepository();
  private readonly outbox: OutboxRepository;
  /** Live sessions held in memory on this node (one writer per session, meter written behind). */
  readonly live: LiveSessions;
  private readonly notifications = new NotificationRepository();
  private readonly clock: Clock;
  private readonly ids: Ids;

  constructor(
    private readonly deps: {
      db: Db;
      payments: PaymentPort;
      chargers: ChargerCommands;
      settings: ChargingSettings;
      logger: Logger;
      notifier?: ChangeNotifier;
      clock?: Clock;
      ids?: Ids;
      /** The server secret (config.secret); receipt links are keyed with it (receipt-token.ts). */
      secret: Buffer | string;
    }
  ) {
    this.clock = deps.clock ?? systemClock;
    this.ids = deps.ids ?? randomIds;
    this.outbox = new OutboxRepository(this.clock);
    this.live = new LiveSessions(deps.db, deps.logger, deps.settings.meterFlushMs ?? 250);
  }

  private get notifier(): ChangeNotifier {
    return this.deps.notifier ?? silentNotifier;
  }

  /** The notifier is wired after construction (the realtime layer needs the service too). */
  setNotifier(n: ChangeNotifier) {
    this.deps.notifier = n;
  }

  private wakeWorker: () => void = () => undefined;

  /** Called after a commit that queued outbox work, so the worker need not wait for its tick. */
  onWorkQueued(fn: () => void) {
    this.wakeWorker = fn;
  }

  // ---- views --------------------------------------------------------------------------------

  private availability(c: ConnectorRecord, live: SessionRecord | null): { available: boolean; reason?: string } {
    if (!c.station || !c.tariff) return { available: false, reason: 'This connector is not open for payment yet.' };
    if (!c.chargerOnline || c.status === 'offline') return { available: false, reason: 'The charger is offline right now.' };
    if (c.status === 'faulted') return { available: false, reason: 'The charger reports a fault.' };
    if (c.status === 'unavailable') return { available: false, reason: 'The connector is out of service.' };
    if (live || ['charging', 'suspended', 'finishing', 'reserved'].includes(c.status)) {
      return { available: false, reason: 'The connector is in use.' };
    }
    if (c.status !== 'available' && c.status !== 'preparing') return { available: false, reason: 'The connector is not ready.' };
    return { available: true };
  }

  async connectorView(connectorId: string): Promise<ConnectorView | null> {
    const c = await this.stations.connector(this.deps.db, connectorId);
    if (!c || !c.station || !c.tariff) return null;
    const found = await this.sessions.liveOnConnector(this.deps.db, connectorId);
    const live = found && !this.abandoned(found) ? found : null;
    const a = this.availability(c, live);
    const { id: _tariffId, ...tariff } = c.tariff;
    return {
      id: c.id,
      chargerId: c.chargerId,
      connectorNo: c.connectorNo,
      plugType: c.plugType,
      maxPowerW: c.maxPowerW,
      status: (c.chargerOnline ? c.status : 'offline') as ConnectorView['status'],
      available: a.available,
      unavailableReason: a.reason,
      station: { id: c.station.id, name: c.station.name, address: c.station.address, city: c.station.city, lat: c.station.lat, lng: c.station.lng },
      tariff,
      reserve: this.deps.settings.reserve,
      termsUrl: this.deps.settings.termsUrl
    };
  }

  private async view(s: SessionRecord, db: Queryable = this.deps.db, known?: ConnectorRecord | null): Promise<SessionView> {
    const c = known !== undefined ? known : await this.stations.connector(db, s.connectorId);
    const now = this.clock.now();
    const { id: _t, ...tariff } = s.tariff;
    const v: SessionView = {
      id: s.id,
      connectorId: s.connectorId,
      stationName: c?.station?.name ?? s.chargerId,
      connectorLabel: `Connector ${s.connectorNo} · ${c?.plugType ?? ''}`.trim(),
      state: s.state,
      reservedOre: s.reservedOre,
      energyWh: s.energyWh,
      powerW: s.state === 'charging' || s.state === 'stopping' ? s.powerW : 0,
      costOre: s.costOre ?? runningCost(s, now),
      createdAt: s.createdAt.toISOString(),
      startedAt: s.startedAt?.toISOString(),
      stoppedAt: s.stoppedAt?.toISOString(),
      stopReason: s.stopReason,
      message: s.failure ?? (s.stopReason === 'offline' ? OFFLINE_TEXT : undefined),
      powerSeries: this.live.get(s.id)?.series.slice() ?? (s.transactionId ? await this.sessions.powerSeries(db, s.transactionId) : []),
      tariff
    };
    if (s.state === 'completed') v.receipt = this.receiptView(s);
    return v;
  }

  /** The order lines of a finished session, as sent to Vipps and shown on the session page. */
  private receiptOf(s: SessionRecord) {
    const usage = usageOf(s, s.stoppedAt ?? this.clock.now());
    return { usage, receipt: buildReceipt(s.tariff, usage, s.captureOre ?? 0, { posId: s.connectorId, receiptNumber: s.paymentReference }) };
  }

  private receiptView(s: SessionRecord): ReceiptView {
    const { usage, receipt: r } = this.receiptOf(s);
    const captured = s.captureOre ?? 0;
    const totals = receiptTotals(r);
    return {
      energyWh: s.energyWh,
      durationSeconds: usage.durationSeconds,
      costOre: s.costOre ?? 0,
      netOre: totals.netOre,
      vatOre: totals.vatOre,
      vatRateBp: s.tariff.vatRateBp,
      reservedOre: s.authorizedOre ?? s.reservedOre,
      capturedOre: captured,
      releasedOre: s.cancelledOre ?? (s.authorizedOre ?? s.reservedOre) - captured,
      lines: r.lines.map((l) => ({ name: l.name, quantity: l.quantity, unit: l.unit, totalOre: l.totalOre }))
    };
  }

  /** Checks the capability token in constant time; 404 for an unknown session, 403 for a wrong token. */
  /**
   * Checks a capability in constant time: 404 for an unknown session, 403 for a wrong token.
   * The receipt link in the Vipps app carries a read-only token that opens a finished session
   * (the app may open it in a browser without the driver's cookie); it cannot stop anything.
   */
  private async authorized(sessionId: string, token: string | undefined, purpose: 'view' | 'stop' = 'view'): Promise<SessionRecord> {
    const s = await this.sessions.find(this.deps.db, sessionId);
    if (!s) throw new ServiceError(404, 'No such charging session.');
    const owner = token !== undefined && sameText(hashToken(token), s.tokenHash);
    const receipt = purpose === 'view' && token !== undefined && !isLive(s.state) && verifyReceiptToken(this.deps.secret, s.id, token);
    if (!owner && !receipt) throw new ServiceError(403, 'This link does not give access to that charging session.');
    return s;
  }

  async sessionView(sessionId: string, token: string | undefined): Promise<SessionView> {
    const s = await this.authorized(sessionId, token);
    if (s.state === 'awaiting_payment') {
      // The driver is back from the app: ask the provider now rather than wait for the webhook.
      await this.pollPayment(s.id).catch((err) => this.deps.logger.warn({ err, sessionId: s.id }, 'payment poll failed'));
      return this.view((await this.sessions.find(this.deps.db, s.id))!);
    }
    return this.view(this.live.freshest(s));
  }

  // ---- driver actions -----------------------------------------------------------------------

  async startSession(input: { connectorId: string; amountOre: number }): Promise<StartSessionResult> {
    const { reserve, publicUrl } = this.deps.settings;
    if (!Number.isSafeInteger(input.amountOre) || input.amountOre < reserve.minOre || input.amountOre > reserve.maxOre) {
      throw new ServiceError(400, `The amount must be between ${reserve.minOre / 100} and ${reserve.maxOre / 100} kr.`);
    }
    const id = this.ids.sessionId();
    const token = this.ids.sessionToken();
    const reference = `plugpay-${id}`;
    let superseded: SessionRecord | undefined;
    const { c } = await this.deps.db.transaction(async (tx) => {
      // Lock the connector row: two drivers scanning at once cannot both reserve it.
      if (!(await this.stations.lockConnector(tx, input.connectorId))) throw new ServiceError(404, 'No such connector.');
      const c = (await this.stations.connector(tx, input.connectorId))!;
      let live = await this.sessions.liveOnConnector(tx, input.connectorId);
      if (live && this.abandoned(live)) {
        // Someone scanned and walked away without approving: the next driver may have the connector.
        const t = transition(live, { type: 'abandoned' }, { meterIntervalSeconds: this.deps.settings.meterIntervalSeconds });
        superseded = await this.sessions.update(tx, { ...live, ...t.session }, this.clock.now());
        for (const cmd of t.commands) await this.enqueue(tx, superseded, cmd);
        live = null;
      }
      const a = this.availability(c, live);
      if (!a.available) throw new ServiceError(409, a.reason ?? 'The connector is not available.');
      const session = await this.sessions.insert(tx, {
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
        createdAt: this.clock.now()
      });
      return { session, c };
    });
    if (superseded) {
      this.wakeWorker();
      await this.publish(superseded);
    }
    const time = new Intl.DateTimeFormat('nb-NO', { timeZone: 'Europe/Oslo', hour: '2-digit', minute: '2-digit' }).format(this.clock.now());
    const description = `${c.station!.name}, connector ${c.connectorNo}, ${time}`.slice(0, 100);
    try {
      const { redirectUrl } = await this.deps.payments.reserve({
        reference,
        amountOre: input.amountOre,
        description,
        returnUrl: `${publicUrl}/s/${id}?t=${token}`,
        idempotencyKey: `${reference}-create`
      });
      this.deps.logger.info({ sessionId: id, connectorId: c.id, amountOre: input.amountOre }, 'reservation created');
      this.notifyConnector(c.id).catch(() => undefined);
      return { sessionId: id, token, redirectUrl };
    } catch (err) {
      this.deps.logger.error({ err, sessionId: id }, 'could not create the reservation');
      await this.apply(id, { type: 'payment-failed', status: 'terminated' }).catch(() => undefined);
      throw new ServiceError(502, 'Vipps MobilePay could not be reached. Nothing was reserved; please try again.', { cause: err });
    }
  }

  /** A reservation left unapproved this long no longer holds the connector for the next driver. */
  private abandoned(s: SessionRecord): boolean {
    return s.state === 'awaiting_payment' && this.clock.now().getTime() - s.createdAt.getTime() > ABANDON_AFTER_MS;
  }

  async stopSession(sessionId: string, token: string | undefined): Promise<SessionView> {
    const s = await this.authorized(sessionId, token, 'stop');
    // While stopping, pressing Stop again sends the stop again at once (the charger may have ignored it).
    if (s.state === 'charging' || s.state === 'stopping') await this.apply(s.id, { type: 'stop-requested', by: 'driver' });
    return this.view((await this.sessions.find(this.deps.db, s.id))!);
  }

  // ---- payment provider -------------------------------------------------------------------

  private paymentEvent(status: ReservationSnapshot['status'], amountOre: number): SessionEvent | null {
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
    const s = await this.sessions.findBy(this.deps.db, 'payment_reference', n.reference);
    if (!s) {
      this.deps.logger.warn({ reference: n.reference, name: n.name }, 'webhook for an unknown payment');
      return;
    }
    const fresh = await this.notifications.recordOnce(this.deps.db, n);
    if (!fresh || !n.success) return;
    // A webhook is a hint, never the fact: whoever holds the webhook secret could sign one. The
    // payment's state is read from the ePayment API (GET /payments/{reference}) before anything
    // starts a charger or releases a reservation.
    if (!['AUTHORIZED', 'ABORTED', 'EXPIRED', 'TERMINATED'].includes(n.name)) return;
    await this.pollPayment(s.id);
  }

  /** Polling, the other half of "webhooks AND polling". */
  async pollPayment(sessionId: string): Promise<void> {
    const s = await this.sessions.find(this.deps.db, sessionId);
    // A released session may still learn of a late authorization: it is released again (settle).
    const lateAuthorization = s?.state === 'failed' && s.authorizedOre === undefined;
    if (!s || (s.state !== 'awaiting_payment' && !lateAuthorization)) return;
    let snap: ReservationSnapshot;
    try {
      snap = await this.deps.payments.getReservation(s.paymentReference);
    } catch (err) {
      // A payment that was never created (plugpay died between writing the session and calling
      // Vipps) is a ghost holding the connector: it ends once the create call is surely over.
      if ((err as { status?: number }).status === 404 && this.clock.now().getTime() - s.createdAt.getTime() > GHOST_AFTER_MS) {
        await this.apply(s.id, { type: 'payment-failed', status: 'terminated' });
        return;
      }
      throw err;
    }
    if (lateAuthorization && snap.status !== 'authorized') return;
    const event = this.paymentEvent(snap.status, snap.authorizedOre || snap.amountOre);
    if (event) await this.apply(s.id, event);
  }

  async pollPendingPayments(): Promise<void> {
    const pending = await this.sessions.inStates(this.deps.db, ['awaiting_payment']);
    for (const s of pending) {
      await this.pollPayment(s.id).catch((err) => this.deps.logger.warn({ err, sessionId: s.id }, 'payment poll failed'));
    }
  }

  // ---- the core: apply an event -----------------------------------------------------------

  /**
   * Applies one event to one session: lock, transition, save, write outbox jobs, commit; then
   * run charger commands and tell the screens. Returns the saved session.
   */
  async apply(sessionId: string, event: SessionEvent): Promise<SessionRecord | null> {
    return this.live.serial(sessionId, () => this.applyNow(sessionId, event));
  }

  /** `apply` for a caller already inside the session's serial queue. */
  private async applyNow(sessionId: string, event: SessionEvent): Promise<SessionRecord | null> {
    const result = await this.deps.db.transaction(async (tx) => {
      const row = await this.sessions.find(tx, sessionId, { lock: true });
      if (!row) return null;
      // The decision must see the latest reading, which may still be in memory (written behind).
      const s = this.live.freshest(row);
      const t = transition(s, event, { meterIntervalSeconds: this.deps.settings.meterIntervalSeconds });
      if (!t.applied) return { saved: s, commands: [] as SessionCommand[], changed: false };
      this.noteAnomalies(s, t.session);
      const saved = await this.sessions.update(tx, { ...s, ...t.session }, this.clock.now());
      for (const c of t.commands) await this.enqueue(tx, saved, c);
      return { saved, commands: t.commands, changed: true };
    });
    if (!result) return null;
    // The charger's StartTransaction came to this node: it holds the session from now on.
    if (event.type === 'transaction-started') this.live.put(result.saved);
    else this.live.committed(result.saved);
    if (result.changed) {
      if (event.type !== 'meter') this.deps.logger.info({ sessionId, event: event.type, state: result.saved.state }, 'session changed');
      if (result.commands.length > 0) this.wakeWorker();
      await this.publish(result.saved, event.type);
    }
    return result.saved;
  }

  /** Durable commands become outbox jobs in the same transaction as the state change. */
  private async enqueue(tx: Queryable, s: SessionRecord, c: SessionCommand): Promise<void> {
    const ref = s.paymentReference;
    switch (c.type) {
      // One settle job per payment. Settling reads the payment's state at Vipps before it
      // captures or cancels, so running it again (a late authorization after a release) is safe.
      case 'settle':
      case 'release':
        await this.settleJob(tx, s, c.type === 'settle' ? c.captureOre : 0);
        return;
      case 'schedule-start-timeout':
        await this.outbox.enqueue(tx, {
          kind: 'start-timeout',
          sessionId: s.id,
          idempotencyKey: `${ref}-start-timeout`,
          runAt: new Date(this.clock.now().getTime() + this.deps.settings.startTimeoutSeconds * 1000)
        });
        return;
      // Charger commands are jobs too: committed with the decision, sent by the worker, retried
      // until the charger does it, never awaited by a webhook, a page or a poll.
      case 'remote-start':
        await this.outbox.enqueue(tx, { kind: 'remote-start', sessionId: s.id, idempotencyKey: `${ref}-remote-start` });
        return;
      case 'remote-stop':
        // One stop job per session; pressing Stop again re-arms it to run now.
        await this.outbox.enqueue(tx, { kind: 'remote-stop', sessionId: s.id, idempotencyKey: `${ref}-remote-stop`, payload: { transactionId: c.transactionId }, replace: true });
        return;
      case 'schedule-stop-deadline':
        await this.outbox.enqueue(tx, {
          kind: 'stop-deadline',
          sessionId: s.id,
          idempotencyKey: `${ref}-stop-deadline`,
          runAt: new Date(this.clock.now().getTime() + (this.deps.settings.stopDeadlineSeconds ?? 180) * 1000)
        });
        return;
    }
  }

  private async settleJob(db: Queryable, s: SessionRecord, captureOre: number): Promise<void> {
    await this.outbox.enqueue(db, { kind: 'settle', sessionId: s.id, idempotencyKey: `${s.paymentReference}-settle`, payload: { captureOre }, rearm: true });
  }

  /**
   * Tells the screens. A meter sample changes the session and the operator map, not whether the
   * connector is free, so it skips the connector's availability (the hot path: every sample).
   */
  private async publish(s: SessionRecord, event?: SessionEvent['type']): Promise<void> {
    try {
      const c = await this.stations.connector(this.deps.db, s.connectorId);
      if (c) this.connectorInfo.set(c.id, { at: Date.now(), c });
      this.notifier.sessionChanged(await this.view(s, this.deps.db, c));
      if (event === 'meter') {
        if (c?.station) this.stationTick(c.station.id);
      } else {
        await this.notifyConnector(s.connectorId);
      }
    } catch (err) {
      this.deps.logger.warn({ err, sessionId: s.id }, 'could not publish a session update');
    }
  }

  /**
   * The meter hot path's publish: no query. The connector's names come from a short-lived
   * memory (they change when an operator edits a station), the power series from the live entry.
   */
  private async publishMeter(s: SessionRecord): Promise<void> {
    const known = this.connectorInfo.get(s.connectorId);
    if (!known || Date.now() - known.at > CONNECTOR_INFO_TTL_MS) return this.publish(s, 'meter');
    this.notifier.sessionChanged(await this.view(s, this.deps.db, known.c));
    if (known.c.station) this.stationTick(known.c.station.id);
  }

  private readonly connectorInfo = new Map<string, { at: number; c: ConnectorRecord }>();
  private readonly stationTimers = new Map<string, NodeJS.Timeout>();

  /**
   * Operators' map: a station with many live sessions would otherwise be re-read and re-sent on
   * every sample; it is sent at most once per STATION_TICK_MS, with its latest figures.
   */
  private stationTick(stationId: string): void {
    if (this.stationTimers.has(stationId)) return;
    const t = setTimeout(() => {
      this.stationTimers.delete(stationId);
      this.notifier.stationChanged(stationId);
    }, STATION_TICK_MS);
    t.unref?.();
    this.stationTimers.set(stationId, t);
  }

  /** Writes meter readings held in memory and stops the timers (shutting down). */
  async close(): Promise<void> {
    for (const t of this.stationTimers.values()) clearTimeout(t);
    this.stationTimers.clear();
    await this.live.close();
  }

  private async notifyConnector(connectorId: string): Promise<void> {
    const view = await this.connectorView(connectorId);
    if (!view) return;
    this.notifier.connectorChanged({ connectorId, status: view.status, available: view.available });
    this.notifier.stationChanged(view.station.id);
  }

  // ---- outbox jobs ------------------------------------------------------------------------

  /** Performs one outbox job; throws to have it retried. */
  async runJob(job: { kind: string; sessionId?: string; payload: Record<string, unknown>; attempts?: number }): Promise<void> {
    const row = job.sessionId ? await this.sessions.find(this.deps.db, job.sessionId) : null;
    if (!row) throw new Error(`outbox job ${job.kind} names an unknown session ${job.sessionId}`);
    const s = this.live.freshest(row);
    switch (job.kind) {
      case 'settle':
        return this.settle(s, Number(job.payload.captureOre));
      case 'receipt':
        return this.sendReceipt(s);
      case 'start-timeout':
        if (s.state === 'starting') await this.apply(s.id, { type: 'start-rejected', why: 'timeout' });
        return;
      case 'remote-start':
        return this.sendRemoteStart(s);
      case 'remote-stop':
        return this.sendRemoteStop(s, Number(job.payload.transactionId), job.attempts ?? 1);
      case 'stop-deadline':
        return this.stopDeadline(s);
      case 'offline-check': {
        if (await this.stations.chargerOnline(this.deps.db, s.chargerId)) return; // it came back in time
        const at = new Date(String(job.payload.offlineAt));
        await this.apply(s.id, { type: 'charger-lost', at });
        return;
      }
      case 'orphan-check': {
        const c = await this.stations.connector(this.deps.db, s.connectorId);
        const free = c && ['available', 'faulted', 'unavailable'].includes(c.status) && c.chargerOnline;
        if (free && (s.state === 'charging' || s.state === 'stopping')) {
          this.deps.logger.warn({ sessionId: s.id, chargerId: s.chargerId, status: c.status }, 'connector free without StopTransaction; billing from the last reading');
          // The charger rebooted (or lost the transaction) some time after its last reading; the
          // status came when it was back. The driver pays up to the last evidence of charging,
          // not for the downtime.
          const freeAt = new Date(String(job.payload.at));
          const lastSeen = s.lastMeterAt ?? s.startedAt ?? freeAt;
          await this.apply(s.id, { type: 'charger-lost', at: lastSeen < freeAt ? lastSeen : freeAt });
        }
        return;
      }
      default:
        throw new Error(`unknown outbox job kind ${job.kind}`);
    }
  }

  /**
   * Captures what was used (once: the key is derived from the reference, and the provider's own
   * record is read first), releases the rest, and hands the receipt to its own job.
   */
  private async settle(s: SessionRecord, captureOre: number): Promise<void> {
    const ref = s.paymentReference;
    const payments = this.deps.payments;
    let snap = await payments.getReservation(ref);
    if (snap.status === 'pending') {
      // Not authorized (yet): stop it from being authorized later; 6060-style refusals mean it was.
      snap = await payments.cancel(ref, `${ref}-cancel`);
    }
    if (snap.status === 'authorized') {
      if (captureOre > 0 && snap.capturedOre === 0) snap = await payments.capture(ref, Math.min(captureOre, snap.authorizedOre), `${ref}-capture`);
      if (snap.authorizedOre - snap.capturedOre - snap.cancelledOre > 0) snap = await payments.cancel(ref, `${ref}-cancel`);
    }
    await this.deps.db.transaction(async (tx) => {
      const cur = (await this.sessions.find(tx, s.id, { lock: true }))!;
      const t = transition(cur, { type: 'settled', capturedOre: snap.capturedOre, cancelledOre: snap.cancelledOre }, {
        meterIntervalSeconds: this.deps.settings.meterIntervalSeconds
      });
      await this.sessions.update(tx, { ...cur, ...t.session, captureOre: snap.capturedOre, cancelledOre: snap.cancelledOre }, this.clock.now());
      if (snap.capturedOre > 0) await this.outbox.enqueue(tx, { kind: 'receipt', sessionId: s.id, idempotencyKey: `${ref}-receipt` });
    });
    this.deps.logger.info({ sessionId: s.id, capturedOre: snap.capturedOre, cancelledOre: snap.cancelledOre }, 'payment settled');
    if (snap.capturedOre > 0) this.wakeWorker();
    await this.publish((await this.sessions.find(this.deps.db, s.id))!);
  }

  /**
   * RemoteStartTransaction (OCPP 1.6 §5.11) for an authorized session. A charger that is away
   * (reconnecting after a restart) is waited for until the start timeout releases the session.
   */
  private async sendRemoteStart(s: SessionRecord): Promise<void> {
    if (s.state !== 'starting') return;
    let answer: 'accepted' | 'rejected';
    try {
      answer = await this.deps.chargers.remoteStart(s.chargerId, s.connectorNo, s.idTag);
    } catch (err) {
      if (err instanceof ChargerUnavailableError) throw new RetryLater(`charger ${s.chargerId} is not connected; RemoteStart waits for it`, START_RETRY_MS);
      this.deps.logger.warn({ err, sessionId: s.id, chargerId: s.chargerId }, 'remote start failed');
      answer = 'rejected';
    }
    if (answer !== 'accepted') await this.apply(s.id, { type: 'start-rejected', why: 'rejected' });
  }

  /**
   * RemoteStopTransaction (OCPP 1.6 §5.12), sent until the StopTransaction arrives: a refusal,
   * silence, an unreachable charger and an accepted stop that never happens are all retried with
   * backoff. Money keeps flowing while the charger charges, so giving up is never an option.
   */
  private async sendRemoteStop(s: SessionRecord, transactionId: number, attempts: number): Promise<void> {
    if (s.state !== 'stopping') return;
    let answer: string;
    try {
      answer = await this.deps.chargers.remoteStop(s.chargerId, transactionId);
    } catch (err) {
      answer = err instanceof ChargerUnavailableError ? 'unreachable' : 'error';
      this.deps.logger.warn({ err, sessionId: s.id, chargerId: s.chargerId }, 'remote stop could not be sent');
    }
    if (answer !== 'accepted') this.deps.logger.warn({ sessionId: s.id, chargerId: s.chargerId, answer, attempts }, 'charger did not accept the stop; retrying');
    // Accepted or not, the job ends only when the session has left `stopping` (a later run sees it).
    throw new RetryLater(`stop ${answer}; waiting for StopTransaction`, stopRetryMs(attempts));
  }

  /**
   * The stop has gone unconfirmed past its deadline: the connector is set Inoperative (OCPP 1.6
   * §5.2: a charger applies it once the transaction ends, if not before) so no one else starts
   * there, and the operator is alerted. The stop job keeps retrying.
   */
  private async stopDeadline(s: SessionRecord): Promise<void> {
    if (s.state !== 'stopping') return;
    this.deps.logger.error(
      { alert: 'stop-unconfirmed', sessionId: s.id, chargerId: s.chargerId, connectorNo: s.connectorNo, energyWh: s.energyWh },
      'ALERT: the charger has not confirmed the stop; taking the connector out of service'
    );
    this.hooks.stopUnconfirmed?.(s);
    try {
      await this.deps.chargers.changeAvailability(s.chargerId, s.connectorNo, false);
    } catch (err) {
      if (err instanceof ChargerUnavailableError) throw new RetryLater(`charger ${s.chargerId} unreachable; ChangeAvailability waits`, 30_000);
      this.deps.logger.error({ err, sessionId: s.id, chargerId: s.chargerId }, 'ChangeAvailability failed');
    }
  }

  /** Every correction of a charger's claim is logged and counted; none is silent. */
  private noteAnomalies(before: { id: string; anomalies?: string[] }, after: { anomalies?: string[] }): void {
    const had = new Set(before.anomalies ?? []);
    const found = (after.anomalies ?? []).filter((a) => !had.has(a));
    if (found.length === 0) return;
    this.deps.logger.warn({ sessionId: before.id, anomalies: found }, 'charger claim out of bounds; billed within bounds instead');
    this.hooks.anomalies?.(before.id, found);
  }

  /** Hooks for metrics and operator alerts (the composition root wires them). */
  readonly hooks: {
    stopUnconfirmed?: (s: SessionRecord) => void;
    /** A meter reading reached the phones, `ms` after it came in. */
    meterPublished?: (ms: number) => void;
    /** Corrections made to what a charger claimed (charger-claims.ts). */
    anomalies?: (sessionId: string, kinds: string[]) => void;
  } = {};

  private async sendReceipt(s: SessionRecord): Promise<void> {
    await this.deps.payments.sendReceipt(s.paymentReference, this.receiptOf(s).receipt);
    await this.deps.payments.setReceiptLink(s.paymentReference, `${this.deps.settings.publicUrl}/s/${s.id}?t=${receiptToken(this.deps.secret, s.id)}`);
  }

  /**
   * On start-up: sessions left between states by a crash are moved on. Settle and timer jobs are
   * already durable in the outbox; what needs a nudge is payments still awaiting authorization,
   * and sessions whose outbox job was lost with a hand-edited database.
   */
  async reconcile(): Promise<void> {
    const open = await this.sessions.inStates(this.deps.db, ['finalizing', 'failed', 'starting', 'charging', 'stopping']);
    for (const s of open) {
      if (s.state === 'finalizing' || (s.state === 'failed' && s.authorizedOre !== undefined && s.captureOre === undefined)) {
        await this.settleJob(this.deps.db, s, s.state === 'finalizing' ? (s.captureOre ?? 0) : 0);
      }
      if (s.state === 'charging' || s.state === 'stopping') {
        if (!(await this.stations.chargerOnline(this.deps.db, s.chargerId))) await this.scheduleOfflineCheck(s, this.clock.now(), 'reconcile');
      }
    }
    await this.pollPendingPayments();
  }

  /**
   * One offline check per session: a new departure moves it (`replace`); a restart's reconcile
   * keeps the pending one (it would otherwise queue a duplicate on every start).
   */
  private async scheduleOfflineCheck(s: SessionRecord, at: Date, mode: 'departure' | 'reconcile'): Promise<void> {
    await this.outbox.enqueue(this.deps.db, {
      kind: 'offline-check',
      sessionId: s.id,
      idempotencyKey: `${s.paymentReference}-offline`,
      payload: { offlineAt: at.toISOString() },
      runAt: new Date(at.getTime() + this.deps.settings.offlineGraceSeconds * 1000),
      ...(mode === 'departure' ? { replace: true } : { rearm: true })
    });
  }

  // ---- ChargerListener --------------------------------------------------------------------

  async authorize(idTag: string): Promise<IdTagVerdict> {
    const s = await this.sessions.findBy(this.deps.db, 'id_tag', idTag);
    return s && isLive(s.state) && s.state !== 'awaiting_payment' ? 'accepted' : 'invalid';
  }

  async chargerOnline(e: ChargerOnline): Promise<void> {
    await this.stationOf(e.chargerId);
  }

  async chargerOffline(e: ChargerOffline): Promise<void> {
    for (const s of await this.sessions.liveOnCharger(this.deps.db, e.chargerId)) {
      if (s.state === 'charging' || s.state === 'stopping') await this.scheduleOfflineCheck(s, e.at, 'departure');
    }
    await this.stationOf(e.chargerId);
  }

  private async stationOf(chargerId: string): Promise<void> {
    const cs = await this.stations.connectors(this.deps.db, { chargerId });
    for (const c of cs) await this.notifyConnector(c.id);
  }

  async connectorStatusChanged(e: ConnectorStatusChanged): Promise<void> {
    if (e.connectorNo === 0) return this.stationOf(e.chargerId);
    const c = await this.stations.connectorByCharger(this.deps.db, e.chargerId, e.connectorNo);
    if (!c) return;
    if (e.status === 'available' || e.status === 'faulted' || e.status === 'unavailable') {
      // A charger that rebooted and lost its transaction reports the connector free without a
      // StopTransaction. Queued transaction messages may still follow the status after a
      // reconnect (OCPP 1.6 §4.x), so look again later before billing from the last reading.
      const live = await this.sessions.liveOnConnector(this.deps.db, c.id);
      if (live && (live.state === 'charging' || live.state === 'stopping')) {
        await this.outbox.enqueue(this.deps.db, {
          kind: 'orphan-check',
          sessionId: live.id,
          idempotencyKey: `${live.paymentReference}-orphan`,
          payload: { at: e.at.toISOString() },
          runAt: new Date(this.clock.now().getTime() + this.orphanGraceMs()),
          rearm: true
        });
      }
    }
    await this.notifyConnector(c.id);
  }

  /** How long a free-looking connector may keep a charging session before it is billed. */
  private orphanGraceMs(): number {
    return Math.max(60, 3 * this.deps.settings.meterIntervalSeconds) * 1000;
  }

  async transactionStarted(e: TransactionStarted): Promise<IdTagVerdict> {
    const s = await this.sessions.findBy(this.deps.db, 'id_tag', e.idTag);
    // A tag paid for one connector starts nothing on another (the driver paid for that one).
    if (!s || s.chargerId !== e.chargerId || s.connectorNo !== e.connectorNo) {
      if (s) this.deps.logger.warn({ sessionId: s.id, chargerId: e.chargerId, connectorNo: e.connectorNo, paidFor: s.connectorNo }, 'StartTransaction on a connector the session did not pay for');
      return 'invalid';
    }
    if (s.transactionId === e.transactionId) {
      // A repeat: still welcome while the session runs; after it was finalized, the charger must stop.
      return s.state === 'charging' || s.state === 'stopping' ? 'accepted' : 'invalid';
    }
    const saved = await this.apply(s.id, { type: 'transaction-started', transactionId: e.transactionId, meterStartWh: e.meterStartWh, at: e.at, receivedAt: this.clock.now() });
    if (saved?.state === 'charging' && saved.transactionId === e.transactionId) return 'accepted';
    // Too late (the start timed out and the reservation is released): the charger must stop.
    this.deps.logger.warn({ sessionId: s.id, transactionId: e.transactionId, state: saved?.state }, 'transaction for a session that is over');
    setTimeout(() => {
      this.deps.chargers.remoteStop(e.chargerId, e.transactionId).catch(() => undefined);
    }, 0);
    return 'invalid';
  }

  /**
   * The hot path: a sample that decides nothing changes the session in memory and is written
   * behind (live-sessions.ts); one that leads to a stop is committed first, with its jobs.
   */
  async meterSampled(e: MeterSampled): Promise<void> {
    let id = this.live.idForTransaction(e.transactionId);
    if (!id) {
      const s = await this.sessions.findBy(this.deps.db, 'transaction_id', e.transactionId);
      if (!s || s.chargerId !== e.chargerId) return;
      id = s.id;
      await this.live.serial(id, async () => {
        if (this.live.get(s.id)) return;
        const fresh = await this.sessions.find(this.deps.db, s.id);
        if (fresh && fresh.transactionId !== undefined) this.live.put(fresh, await this.sessions.powerSeries(this.deps.db, fresh.transactionId));
      });
    }
    const came = performance.now();
    const event: SessionEvent = { type: 'meter', energyWh: e.energyWh, powerW: e.powerW, at: e.at, receivedAt: this.clock.now() };
    await this.live.serial(id, async () => {
      const entry = this.live.get(id);
      if (!entry) {
        // Not live here (finished, or owned elsewhere): the ordinary path decides.
        await this.applyNow(id, event);
        return;
      }
      if (entry.session.chargerId !== e.chargerId) return;
      const t = transition(entry.session, event, { meterIntervalSeconds: this.deps.settings.meterIntervalSeconds });
      if (!t.applied) return;
      if (t.commands.length > 0 || t.session.state !== entry.session.state) {
        await this.applyNow(id, event);
        return;
      }
      const next: SessionRecord = { ...entry.session, ...t.session };
      this.noteAnomalies(entry.session, next);
      this.live.meterChanged(next, e.powerW !== undefined ? { t: next.lastMeterAt!.toISOString(), w: Math.round(next.powerW) } : undefined);
      await this.publishMeter(next);
      this.hooks.meterPublished?.(performance.now() - came);
    });
  }

  async transactionStopped(e: TransactionStopped): Promise<void> {
    const s = await this.sessions.findBy(this.deps.db, 'transaction_id', e.transactionId);
    if (!s || s.chargerId !== e.chargerId) {
      this.deps.logger.warn({ transactionId: e.transactionId, chargerId: e.chargerId }, 'stop for a transaction without a session');
      return;
    }
    await this.apply(s.id, { type: 'transaction-stopped', meterStopWh: e.meterStopWh, at: e.at, receivedAt: this.clock.now(), reason: e.reason });
  }

  /** StopTransaction.conf idTagInfo: the session's own tag was accepted at the start, and still is for this answer. */
  async stopVerdict(e: { chargerId: string; transactionId: number; idTag: string }): Promise<IdTagVerdict> {
    const s = await this.sessions.findBy(this.deps.db, 'transaction_id', e.transactionId);
    if (s && s.chargerId === e.chargerId && s.idTag === e.idTag) return 'accepted';
    return this.authorize(e.idTag);
  }

  // ---- operators --------------------------------------------------------------------------

  /** Sessions by state (metrics). */
  sessionCounts(): Promise<Array<{ state: string; count: number }>> {
    return this.sessions.countByState(this.deps.db);
  }

  /** Outbox jobs waiting and dead-lettered (metrics). */
  outboxDepth(): Promise<{ pending: number; dead: number }> {
    return this.outbox.depth(this.deps.db);
  }

  /** Jobs that keep failing, for the operator: what, for which session, since when, and why. */
  async deadLetters(): Promise<Array<{ id: number; kind: string; sessionId?: string; attempts: number; deadAt?: string; nextAttemptAt?: string; lastError?: string }>> {
    return (await this.outbox.deadLetters(this.deps.db)).map((j) => ({
      id: j.id,
      kind: j.kind,
      sessionId: j.sessionId,
      attempts: j.attempts,
      deadAt: j.deadAt?.toISOString(),
      nextAttemptAt: j.nextAttemptAt?.toISOString(),
      lastError: j.lastError
    }));
  }

  /** The URL a connector's QR sticker points at, or null for an unknown connector. */
  async connectorLandingUrl(connectorId: string): Promise<string | null> {
    const c = await this.stations.connector(this.deps.db, connectorId);
    return c ? `${this.deps.settings.publicUrl}/c/${encodeURIComponent(c.id)}` : null;
  }

  /** Every station with its chargers, connectors and live sessions; or just one station. */
  async operatorStations(stationId?: string): Promise<OperatorStationView[]> {
    const db = this.deps.db;
    const [stations, connectors, live] = await Promise.all([
      this.stations.stations(db, stationId),
      this.stations.connectors(db, { stationId }),
      this.sessions.inStates(db, ['awaiting_payment', 'starting', 'charging', 'stopping'])
    ]);
    const now = this.clock.now();
    return stations.map((st) => {
      const chargers = new Map<string, OperatorStationView['chargers'][number]>();
      for (const c of connectors.filter((x) => x.station?.id === st.id)) {
        const ch = chargers.get(c.chargerId) ?? { id: c.chargerId, online: c.chargerOnline, lastSeen: c.chargerLastSeen?.toISOString(), connectors: [] };
        const s = live.find((x) => x.connectorId === c.id);
        ch.connectors.push({
          id: c.id,
          connectorNo: c.connectorNo,
          plugType: c.plugType,
          maxPowerW: c.maxPowerW,
          status: (c.chargerOnline ? c.status : 'offline') as ConnectorView['status'],
          session: s ? { id: s.id, state: s.state, energyWh: s.energyWh, powerW: s.powerW, costOre: runningCost(s, now) } : undefined
        });
        chargers.set(c.chargerId, ch);
      }
      const { tariffId: _t, ...station } = st;
      return { ...station, chargers: [...chargers.values()] };
    });
  }

  /** One station, for the operators' live map (called for each station that changed). */
  async operatorStation(stationId: string): Promise<OperatorStationView | undefined> {
    return (await this.operatorStations(stationId))[0];
  }
}
