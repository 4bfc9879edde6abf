/**
 * The session core: the one writer of a session. Every change goes through the pure state machine
 * (domain/session.ts) in one transaction that also writes the outbox jobs it needs (money first);
 * screens are told after the commit. Events of one session run one at a time (live-sessions.ts).
 * The other session services (driver actions, payment events, charger events, jobs, read models)
 * decide nothing themselves: they hand events to `apply`.
 */
import type { ConnectorView, SessionView } from '../../src/lib/shared/api.js';
import type { ChargerCommands } from '../chargers/port.js';
import { transition, type SessionCommand, type SessionEvent } from '../domain/session.js';
import type { Logger } from '../log.js';
import type { PaymentPort } from '../payments/port.js';
import type { Db, Queryable } from '../store/db.js';
import type { SessionRecord } from '../store/session-repository.js';
import type { ConnectorRecord } from '../store/station-repository.js';
import type { NotificationRepository } from '../store/notification-repository.js';
import type { OutboxRepository } from '../store/outbox-repository.js';
import type { SessionRepository } from '../store/session-repository.js';
import type { StationRepository } from '../store/station-repository.js';
import type { LiveSessions } from './live-sessions.js';
import type { Clock, Ids } from './ports.js';
import type { SessionReadModels } from './read-models.js';

export interface ChargingSettings {
  publicUrl: string;
  meterIntervalSeconds: number;
  startTimeoutSeconds: number;
  offlineGraceSeconds: number;
  reserve: { defaultOre: number; minOre: number; maxOre: number; presetsOre: number[] };
  termsUrl: string;
  /** The seller named on receipts. Default: a demo seller. */
  seller?: { name: string; orgNumber: string };
  /**
   * How long a stop may go unconfirmed (no StopTransaction) before the connector is taken out of
   * service and the operator alerted; the stop keeps being retried after that. Default 180 s.
   */
  stopDeadlineSeconds?: number;
  /** How long meter readings wait in memory before they are written, in a batch. Default 250 ms. */
  meterFlushMs?: number;
}

/** Tells connected screens that something changed; the realtime layer implements it. */
export interface ChangeNotifier {
  sessionChanged(view: SessionView): void;
  connectorChanged(c: { connectorId: string; status: ConnectorView['status']; available: boolean; unavailableCode?: ConnectorView['unavailableCode'] }): void;
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

/**
 * The repositories the session services use: only the methods they call, so a test can hand in
 * in-memory ones (tests/helpers/memory-stores.ts) and run a service in milliseconds.
 */
export interface SessionStores {
  sessions: Pick<SessionRepository, 'find' | 'findBy' | 'insert' | 'update' | 'inStates' | 'liveOnConnector' | 'liveOnConnectors' | 'liveOnCharger' | 'powerSeries' | 'countByState' | 'awaitingPayment' | 'setPaymentUrl'>;
  stations: Pick<StationRepository, 'connector' | 'connectors' | 'startableAtStation' | 'connectorByCharger' | 'lockConnector' | 'chargerOnline' | 'stations'>;
  outbox: Pick<OutboxRepository, 'enqueue' | 'depth' | 'deadLetters'>;
  notifications: Pick<NotificationRepository, 'seen' | 'recordOnce'>;
}

/** What every session service is built with (ChargingService assembles it). */
export interface SessionDeps {
  db: Db;
  payments: PaymentPort;
  chargers: ChargerCommands;
  settings: ChargingSettings;
  logger: Logger;
  notifier?: ChangeNotifier;
  clock: Clock;
  ids: Ids;
  /** The server secret (config.secret); receipt links are keyed with it (receipt-token.ts). */
  secret: Buffer | string;
  stores: SessionStores;
  /** Live sessions held in memory on this node (one writer per session, meter written behind). */
  live: LiveSessions;
}

/** How long a connector's names are trusted from memory on the meter path. */
const CONNECTOR_INFO_TTL_MS = 120_000;

export class SessionCore {
  constructor(
    private readonly deps: SessionDeps,
    private readonly views: SessionReadModels
  ) {}

  private get notifier(): ChangeNotifier {
    return this.deps.notifier ?? silentNotifier;
  }

  /** The notifier is wired after construction (the realtime layer needs the service too). */
  setNotifier(n: ChangeNotifier) {
    this.deps.notifier = n;
  }

  /** Wakes the outbox worker after a commit that queued work (wired by the composition root). */
  wakeWorker: () => void = () => undefined;

  /** Called after a commit that queued outbox work, so the worker need not wait for its tick. */
  onWorkQueued(fn: () => void) {
    this.wakeWorker = fn;
  }

  /**
   * Applies one event to one session, after the session's earlier events: lock, transition,
   * save, write outbox jobs (charger commands among them), commit; then tell the screens.
   * Returns the saved session.
   */
  async apply(sessionId: string, event: SessionEvent): Promise<SessionRecord | null> {
    return this.deps.live.serial(sessionId, () => this.applyNow(sessionId, event));
  }

  /** `apply` for a caller already inside the session's serial queue. */
  async applyNow(sessionId: string, event: SessionEvent): Promise<SessionRecord | null> {
    const result = await this.deps.db.transaction(async (tx) => {
      const row = await this.deps.stores.sessions.find(tx, sessionId, { lock: true });
      if (!row) return null;
      // The decision must see the latest reading, which may still be in memory (written behind).
      const s = this.deps.live.freshest(row);
      const t = transition(s, event, { meterIntervalSeconds: this.deps.settings.meterIntervalSeconds });
      if (!t.applied) return { saved: s, commands: [] as SessionCommand[], changed: false };
      this.noteAnomalies(s, t.session);
      const saved = await this.deps.stores.sessions.update(tx, { ...s, ...t.session }, this.deps.clock.now());
      for (const c of t.commands) await this.enqueue(tx, saved, c);
      return { saved, commands: t.commands, changed: true };
    });
    if (!result) return null;
    // The charger's StartTransaction came to this node: it holds the session from now on.
    if (event.type === 'transaction-started') this.deps.live.put(result.saved);
    else this.deps.live.committed(result.saved);
    if (result.changed) {
      if (event.type !== 'meter') this.deps.logger.info({ sessionId, event: event.type, state: result.saved.state }, 'session changed');
      if (result.commands.length > 0) this.wakeWorker();
      await this.publish(result.saved, event.type);
    }
    return result.saved;
  }

  /** Durable commands become outbox jobs in the same transaction as the state change. */
  async enqueue(tx: Queryable, s: SessionRecord, c: SessionCommand): Promise<void> {
    const ref = s.paymentReference;
    switch (c.type) {
      // One settle job per payment. Settling reads the payment's state at Vipps before it
      // captures or cancels, so running it again (a late authorization after a release) is safe.
      case 'settle':
      case 'release':
        await this.settleJob(tx, s, c.type === 'settle' ? c.captureOre : 0);
        return;
      case 'schedule-start-timeout':
        await this.deps.stores.outbox.enqueue(tx, {
          kind: 'start-timeout',
          sessionId: s.id,
          idempotencyKey: `${ref}-start-timeout`,
          runAt: new Date(this.deps.clock.now().getTime() + this.deps.settings.startTimeoutSeconds * 1000)
        });
        return;
      // Charger commands are jobs too: committed with the decision, sent by the worker, retried
      // until the charger does it, never awaited by a webhook, a page or a poll.
      case 'remote-start':
        await this.deps.stores.outbox.enqueue(tx, { kind: 'remote-start', sessionId: s.id, idempotencyKey: `${ref}-remote-start` });
        return;
      case 'remote-stop':
        // One stop job per session; pressing Stop again re-arms it to run now.
        await this.deps.stores.outbox.enqueue(tx, { kind: 'remote-stop', sessionId: s.id, idempotencyKey: `${ref}-remote-stop`, payload: { transactionId: c.transactionId }, replace: true });
        return;
      case 'schedule-stop-deadline':
        await this.deps.stores.outbox.enqueue(tx, {
          kind: 'stop-deadline',
          sessionId: s.id,
          idempotencyKey: `${ref}-stop-deadline`,
          runAt: new Date(this.deps.clock.now().getTime() + (this.deps.settings.stopDeadlineSeconds ?? 180) * 1000)
        });
        return;
    }
  }

  async settleJob(db: Queryable, s: SessionRecord, captureOre: number): Promise<void> {
    await this.deps.stores.outbox.enqueue(db, { kind: 'settle', sessionId: s.id, idempotencyKey: `${s.paymentReference}-settle`, payload: { captureOre }, rearm: true });
  }

  /**
   * Tells the screens. A meter sample changes the session and the operator map, not whether the
   * connector is free, so it skips the connector's availability (the hot path: every sample).
   */
  async publish(s: SessionRecord, event?: SessionEvent['type']): Promise<void> {
    try {
      const c = await this.deps.stores.stations.connector(this.deps.db, s.connectorId);
      if (c) this.connectorInfo.set(c.id, { at: this.deps.clock.now().getTime(), c });
      this.notifier.sessionChanged(await this.views.view(s, this.deps.db, c));
      if (event === 'meter') {
        if (c?.station) this.notifier.stationChanged(c.station.id);
      } else {
        await this.notifyConnector(s.connectorId, c);
      }
    } catch (err) {
      this.deps.logger.warn({ err, sessionId: s.id }, 'could not publish a session update');
    }
  }

  /**
   * The meter hot path's publish: no query on the way to the phone. The connector's names come
   * from memory (they change when an operator edits a station; every other publish reads them
   * afresh), the power series from the live entry. Names older than CONNECTOR_INFO_TTL_MS are
   * still used for this sample, and read again behind it, off the meter's path.
   */
  async publishMeter(s: SessionRecord): Promise<void> {
    const known = this.connectorInfo.get(s.connectorId);
    if (!known) return this.publish(s, 'meter');
    if (this.deps.clock.now().getTime() - known.at > CONNECTOR_INFO_TTL_MS) this.refreshConnectorInfo(s.connectorId);
    // Only the newest power point travels with a meter update; the page appends it.
    const view = await this.views.view(s, this.deps.db, known.c, true);
    this.notifier.sessionChanged({ ...view, powerSeries: view.powerSeries.slice(-1), powerSeriesTail: true });
    // The realtime layer coalesces station updates (one per station per half second).
    if (known.c.station) this.notifier.stationChanged(known.c.station.id);
  }

  private readonly connectorInfo = new Map<string, { at: number; c: ConnectorRecord }>();
  private readonly refreshing = new Set<string>();

  /** Reads a connector's names again in the background; one read at a time per connector. */
  private refreshConnectorInfo(connectorId: string): void {
    if (this.refreshing.has(connectorId)) return;
    this.refreshing.add(connectorId);
    const asked = this.deps.clock.now().getTime();
    void this.deps.stores.stations
      .connector(this.deps.db, connectorId)
      .then((c) => {
        // A publish may have read the connector after this read began: its copy is the newer.
        if ((this.connectorInfo.get(connectorId)?.at ?? 0) > asked) return;
        if (c) this.connectorInfo.set(c.id, { at: asked, c });
        else this.connectorInfo.delete(connectorId);
      })
      .catch((err: unknown) => this.deps.logger.warn({ err, connectorId }, 'could not read a connector again for the live page'))
      .finally(() => this.refreshing.delete(connectorId));
  }

  /** Writes meter readings held in memory (shutting down). */
  async close(): Promise<void> {
    await this.deps.live.close();
  }

  /** `known`: the connector as just read, when the caller has it (saves reading it again). */
  async notifyConnector(connectorId: string, known?: ConnectorRecord | null): Promise<void> {
    const state = await this.views.connectorState(connectorId, known);
    if (!state) return;
    this.notifier.connectorChanged({ connectorId, status: state.status, available: state.available, unavailableCode: state.code });
    this.notifier.stationChanged(state.c.station.id);
  }

  /** Every correction of a charger's claim is logged and counted; none is silent. */
  noteAnomalies(before: { id: string; anomalies?: string[] }, after: { anomalies?: string[] }): void {
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

  /**
   * One offline check per session: a new departure moves it (`replace`); a restart's reconcile
   * keeps the pending one (it would otherwise queue a duplicate on every start).
   */
  async scheduleOfflineCheck(s: SessionRecord, at: Date, mode: 'departure' | 'reconcile'): Promise<void> {
    await this.deps.stores.outbox.enqueue(this.deps.db, {
      kind: 'offline-check',
      sessionId: s.id,
      idempotencyKey: `${s.paymentReference}-offline`,
      payload: { offlineAt: at.toISOString() },
      runAt: new Date(at.getTime() + this.deps.settings.offlineGraceSeconds * 1000),
      ...(mode === 'departure' ? { replace: true } : { rearm: true })
    });
  }
}
