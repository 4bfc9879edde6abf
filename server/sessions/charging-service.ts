/**
 * Drop-in charging, assembled: the facade the composition root, the HTTP routes, the realtime
 * layer and the charger gateway talk to. It builds the small session services around one
 * SessionCore and delegates; it holds no logic of its own.
 *
 *   DriverActions    open, view, stop                         (driver-actions.ts)
 *   PaymentEvents    webhooks and polling, read back from Vipps (payment-events.ts)
 *   ChargerEvents    the ChargerListener port; the meter path   (charger-events.ts)
 *   SessionJobs      settle, receipt, charger commands, timers  (session-jobs.ts)
 *   SessionReadModels what screens and operators see           (read-models.ts)
 *   SessionCore      the one writer: transition, commit, outbox, publish (session-core.ts)
 */
import type { ConnectorView, OperatorStationView, SessionView, StartSessionResult } from '../../src/lib/shared/api.js';
import type { ChargerListener, ChargerOffline, ChargerOnline, ConnectorStatusChanged, IdTagVerdict, MeterSampled, TransactionStarted, TransactionStopped } from '../chargers/port.js';
import type { SessionEvent } from '../domain/session.js';
import type { JobRunner } from '../jobs/worker.js';
import type { PaymentNotification } from '../payments/port.js';
import { NotificationRepository } from '../store/notification-repository.js';
import { OutboxRepository } from '../store/outbox-repository.js';
import { SessionRepository, type SessionRecord } from '../store/session-repository.js';
import { StationRepository } from '../store/station-repository.js';
import { ChargerEvents } from './charger-events.js';
import { CounterSessions } from './counter-sessions.js';
import { DriverActions } from './driver-actions.js';
import { LiveSessions } from './live-sessions.js';
import { MemberSessions } from './member-sessions.js';
import { PaymentEvents } from './payment-events.js';
import { randomIds, systemClock } from './ports.js';
import { SessionReadModels } from './read-models.js';
import { SessionCore, type ChangeNotifier, type SessionDeps } from './session-core.js';
import { SessionJobs } from './session-jobs.js';

export { RetryLater } from '../jobs/worker.js';
export { ServiceError, silentNotifier, type ChangeNotifier, type ChargingSettings } from './session-core.js';

export class ChargingService implements ChargerListener, JobRunner {
  /** Live sessions held in memory on this node (one writer per session, meter written behind). */
  readonly live: LiveSessions;
  private readonly deps: SessionDeps;
  private readonly core: SessionCore;
  private readonly views: SessionReadModels;
  private readonly driver: DriverActions;
  private readonly counter: CounterSessions;
  private readonly paymentEvents: PaymentEvents;
  private readonly chargerEvents: ChargerEvents;
  private readonly jobs: SessionJobs;
  private readonly members: MemberSessions;

  /** SessionDeps, with the clock, ids and the store's repositories by default (tests pass fakes). */
  constructor(deps: Omit<SessionDeps, 'clock' | 'ids' | 'stores' | 'live'> & Partial<Pick<SessionDeps, 'clock' | 'ids' | 'stores'>>) {
    const clock = deps.clock ?? systemClock;
    this.live = new LiveSessions(deps.db, deps.logger, deps.settings.meterFlushMs ?? 250);
    this.deps = {
      ...deps,
      clock,
      ids: deps.ids ?? randomIds,
      live: this.live,
      stores: deps.stores ?? {
        sessions: new SessionRepository(),
        stations: new StationRepository(),
        outbox: new OutboxRepository(clock),
        notifications: new NotificationRepository()
      }
    };
    this.views = new SessionReadModels(this.deps);
    this.core = new SessionCore(this.deps, this.views);
    this.paymentEvents = new PaymentEvents(this.deps, this.core);
    this.driver = new DriverActions(this.deps, this.core, this.views, this.paymentEvents);
    this.counter = new CounterSessions(this.deps, this.core, this.driver);
    this.chargerEvents = new ChargerEvents(this.deps, this.core);
    this.jobs = new SessionJobs(this.deps, this.core, this.views, this.paymentEvents);
    this.members = new MemberSessions(this.deps, this.core, this.views);
  }

  /** Hooks for metrics and operator alerts (the composition root wires them). */
  get hooks(): SessionCore['hooks'] {
    return this.core.hooks;
  }

  /** The notifier is wired after construction (the realtime layer needs the service too). */
  setNotifier(n: ChangeNotifier): void {
    this.core.setNotifier(n);
  }

  /** Called after a commit that queued outbox work, so the worker need not wait for its tick. */
  onWorkQueued(fn: () => void): void {
    this.core.onWorkQueued(fn);
  }

  /** Writes meter readings held in memory and stops the timers (shutting down). */
  close(): Promise<void> {
    return this.core.close();
  }

  /** Applies one event to one session (the state machine, one writer); for tests and tools. */
  apply(sessionId: string, event: SessionEvent): Promise<SessionRecord | null> {
    return this.core.apply(sessionId, event);
  }

  // ---- drivers
  /** A reservation pushed to the customer's phone from the counter (counter-sessions.ts). */
  startCounterSession(input: { connectorId: string; amountOre: number; msisdn: string }): Promise<{ sessionId: string; token: string }> {
    return this.counter.start(input);
  }

  startSession(input: { connectorId: string; amountOre: number }): Promise<StartSessionResult> {
    return this.driver.startSession(input);
  }
  sessionView(sessionId: string, token: string | undefined): Promise<SessionView> {
    return this.driver.sessionView(sessionId, token);
  }
  stopSession(sessionId: string, token: string | undefined): Promise<SessionView> {
    return this.driver.stopSession(sessionId, token);
  }
  /** A member's session: no reservation, `budgetOre` left of the day's limit (member-sessions.ts). */
  startMemberSession(input: { connectorId: string; memberId: string; budgetOre: number }): Promise<{ sessionId: string; token: string }> {
    return this.members.start(input);
  }
  sessionOnConnector(connectorId: string): Promise<string | null> {
    return this.driver.sessionOnConnector(connectorId);
  }
  paymentUrl(sessionId: string, token: string | undefined): Promise<string> {
    return this.driver.paymentUrl(sessionId, token);
  }
  cancelPayment(sessionId: string, token: string | undefined): Promise<SessionView> {
    return this.driver.cancelPayment(sessionId, token);
  }
  connectorView(connectorId: string): Promise<ConnectorView | null> {
    return this.views.connectorView(connectorId);
  }

  // ---- the payment provider
  onPaymentNotification(n: PaymentNotification): Promise<void> {
    return this.paymentEvents.onPaymentNotification(n);
  }
  pollPayment(sessionId: string): Promise<void> {
    return this.paymentEvents.pollPayment(sessionId);
  }
  pollPendingPayments(): Promise<void> {
    return this.paymentEvents.pollPendingPayments();
  }

  // ---- outbox jobs and start-up
  runJob(job: { kind: string; sessionId?: string; payload: Record<string, unknown>; attempts?: number }): Promise<void> {
    return this.jobs.runJob(job);
  }
  reconcile(): Promise<void> {
    return this.jobs.reconcile();
  }

  // ---- chargers (ChargerListener)
  authorize(idTag: string): Promise<IdTagVerdict> {
    return this.chargerEvents.authorize(idTag);
  }
  chargerOnline(e: ChargerOnline): Promise<void> {
    return this.chargerEvents.chargerOnline(e);
  }
  chargerOffline(e: ChargerOffline): Promise<void> {
    return this.chargerEvents.chargerOffline(e);
  }
  connectorStatusChanged(e: ConnectorStatusChanged): Promise<void> {
    return this.chargerEvents.connectorStatusChanged(e);
  }
  transactionStarted(e: TransactionStarted): Promise<IdTagVerdict> {
    return this.chargerEvents.transactionStarted(e);
  }
  meterSampled(e: MeterSampled): Promise<void> {
    return this.chargerEvents.meterSampled(e);
  }
  transactionStopped(e: TransactionStopped): Promise<void> {
    return this.chargerEvents.transactionStopped(e);
  }
  stopVerdict(e: { chargerId: string; transactionId: number; idTag: string }): Promise<IdTagVerdict> {
    return this.chargerEvents.stopVerdict(e);
  }

  // ---- operators
  connectorLandingUrl(connectorId: string): Promise<string | null> {
    return this.views.connectorLandingUrl(connectorId);
  }
  operatorStations(stationId?: string): Promise<OperatorStationView[]> {
    return this.views.operatorStations(stationId);
  }
  operatorStation(stationId: string): Promise<OperatorStationView | undefined> {
    return this.views.operatorStation(stationId);
  }
  awaitingPayment(sessionIds: string[]): Promise<string[]> {
    return this.views.awaitingPayment(sessionIds);
  }
  sessionCounts(): Promise<Array<{ state: string; count: number }>> {
    return this.views.sessionCounts();
  }
  outboxDepth(): Promise<{ pending: number; dead: number }> {
    return this.views.outboxDepth();
  }
  deadLetters(): ReturnType<SessionReadModels['deadLetters']> {
    return this.views.deadLetters();
  }
  /** A session as its driver sees it, for staff (the console checked who asks); null when unknown. */
  async staffSessionView(sessionId: string): Promise<SessionView | null> {
    const s = await this.deps.stores.sessions.find(this.deps.db, sessionId);
    return s ? this.views.view(s) : null;
  }
}
