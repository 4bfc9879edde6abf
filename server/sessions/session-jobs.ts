/**
 * The session's outbox jobs, performed by the worker with retries: settle (capture what was used,
 * release the rest), the receipt, charger commands (RemoteStart, RemoteStop until it takes, the
 * stop deadline), and the timers (start timeout, offline and orphan checks). Start-up
 * reconciliation lives here too.
 */
import { ChargerUnavailableError } from '../chargers/port.js';
import { transition } from '../domain/session.js';
import type { SessionRecord } from '../store/session-repository.js';
import { receiptToken } from './receipt-token.js';
import type { PaymentEvents } from './payment-events.js';
import type { SessionReadModels } from './read-models.js';
import { RetryLater } from '../jobs/worker.js';
import type { SessionCore, SessionDeps } from './session-core.js';

/** Retries of RemoteStart while the charger is away (e.g. reconnecting after a restart of plugpay). */
const START_RETRY_MS = 2_000;

/** Backoff of a stop that was refused, ignored or could not be sent: 1 s doubling to 30 s. */
const stopRetryMs = (attempts: number) => Math.min(30_000, 1000 * 2 ** Math.max(0, attempts - 1));

export class SessionJobs {
  constructor(
    private readonly deps: SessionDeps,
    private readonly core: SessionCore,
    private readonly views: SessionReadModels,
    private readonly paymentEvents: PaymentEvents
  ) {}

  /** Performs one outbox job; throws to have it retried. */
  async runJob(job: { kind: string; sessionId?: string; payload: Record<string, unknown>; attempts?: number }): Promise<void> {
    const row = job.sessionId ? await this.deps.stores.sessions.find(this.deps.db, job.sessionId) : null;
    if (!row) throw new Error(`outbox job ${job.kind} names an unknown session ${job.sessionId}`);
    const s = this.deps.live.freshest(row);
    switch (job.kind) {
      case 'settle':
        return this.settle(s, Number(job.payload.captureOre));
      case 'receipt':
        return this.sendReceipt(s);
      case 'start-timeout':
        return this.startTimeout(s);
      case 'remote-start':
        return this.sendRemoteStart(s);
      case 'remote-stop':
        return this.sendRemoteStop(s, Number(job.payload.transactionId), job.attempts ?? 1);
      case 'stop-deadline':
        return this.stopDeadline(s);
      case 'stop-stray':
        return this.stopStray(s, Number(job.payload.transactionId), job.attempts ?? 1);
      case 'first-meter':
        return this.askFirstMeter(s);
      case 'offline-check': {
        if (await this.deps.stores.stations.chargerOnline(this.deps.db, s.chargerId)) return; // it came back in time
        const at = new Date(String(job.payload.offlineAt));
        await this.core.apply(s.id, { type: 'charger-lost', at });
        return;
      }
      case 'orphan-check': {
        const c = await this.deps.stores.stations.connector(this.deps.db, s.connectorId);
        const free = c && ['available', 'faulted', 'unavailable'].includes(c.status) && c.chargerOnline;
        if (free && (s.state === 'charging' || s.state === 'stopping')) {
          this.deps.logger.warn({ sessionId: s.id, chargerId: s.chargerId, status: c.status }, 'connector free without StopTransaction; billing from the last reading');
          // The charger rebooted (or lost the transaction) some time after its last reading; the
          // status came when it was back. The driver pays up to the last evidence of charging,
          // not for the downtime.
          const freeAt = new Date(String(job.payload.at));
          const lastSeen = s.lastMeterAt ?? s.startedAt ?? freeAt;
          await this.core.apply(s.id, { type: 'charger-lost', at: lastSeen < freeAt ? lastSeen : freeAt });
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
      const cur = (await this.deps.stores.sessions.find(tx, s.id, { lock: true }))!;
      const t = transition(cur, { type: 'settled', capturedOre: snap.capturedOre, cancelledOre: snap.cancelledOre }, {
        meterIntervalSeconds: this.deps.settings.meterIntervalSeconds
      });
      await this.deps.stores.sessions.update(tx, { ...cur, ...t.session, captureOre: snap.capturedOre, cancelledOre: snap.cancelledOre }, this.deps.clock.now());
      if (snap.capturedOre > 0) await this.deps.stores.outbox.enqueue(tx, { kind: 'receipt', sessionId: s.id, idempotencyKey: `${ref}-receipt` });
    });
    this.deps.logger.info({ sessionId: s.id, capturedOre: snap.capturedOre, cancelledOre: snap.cancelledOre }, 'payment settled');
    if (snap.capturedOre > 0) this.core.wakeWorker();
    await this.core.publish((await this.deps.stores.sessions.find(this.deps.db, s.id))!);
  }

  /**
   * TriggerMessage MeterValues (OCPP 1.6 §5.17) right after the start. A hint for a faster first
   * reading: a charger that refuses it or is away costs the driver nothing, so it is not retried.
   */
  private async askFirstMeter(s: SessionRecord): Promise<void> {
    if (s.state !== 'charging') return;
    try {
      const answer = await this.deps.chargers.triggerMessage(s.chargerId, 'MeterValues', s.connectorNo);
      if (answer !== 'accepted') this.deps.logger.info({ sessionId: s.id, answer }, 'charger did not send a first reading on request');
    } catch (err) {
      this.deps.logger.info({ err, sessionId: s.id }, 'could not ask the charger for a first reading');
    }
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
    if (answer !== 'accepted') {
      await this.core.apply(s.id, { type: 'start-rejected', why: 'rejected' });
      return;
    }
    // The charger has its full start timeout from now: a RemoteStart sent late (after a restart
    // of plugpay, or to a charger that was reconnecting) must not be timed out at once.
    const now = this.deps.clock.now();
    await this.deps.stores.outbox.enqueue(this.deps.db, {
      kind: 'start-timeout',
      sessionId: s.id,
      idempotencyKey: `${s.paymentReference}-start-timeout`,
      payload: { acceptedAt: now.toISOString() },
      runAt: new Date(now.getTime() + this.deps.settings.startTimeoutSeconds * 1000),
      replace: true
    });
  }

  /**
   * No StartTransaction in time: the reservation is released. But a charger that accepted the
   * start and then lost its connection may be holding a queued StartTransaction (OCPP 1.6
   * §3.16): while it is away, within the offline grace, it is waited for.
   */
  private async startTimeout(s: SessionRecord): Promise<void> {
    if (s.state !== 'starting') return;
    const startedWaiting = s.createdAt.getTime();
    const graceEnds = startedWaiting + (this.deps.settings.startTimeoutSeconds + this.deps.settings.offlineGraceSeconds) * 1000;
    if (!(await this.deps.stores.stations.chargerOnline(this.deps.db, s.chargerId)) && this.deps.clock.now().getTime() < graceEnds) {
      throw new RetryLater(`charger ${s.chargerId} is away; its StartTransaction may be queued`, START_RETRY_MS * 2);
    }
    await this.core.apply(s.id, { type: 'start-rejected', why: 'timeout' });
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
    this.core.hooks.stopUnconfirmed?.(s);
    try {
      await this.deps.chargers.changeAvailability(s.chargerId, s.connectorNo, false);
    } catch (err) {
      if (err instanceof ChargerUnavailableError) throw new RetryLater(`charger ${s.chargerId} unreachable; ChangeAvailability waits`, 30_000);
      this.deps.logger.error({ err, sessionId: s.id, chargerId: s.chargerId }, 'ChangeAvailability failed');
    }
  }

  /**
   * A transaction a charger started for a session that was already over (its StartTransaction
   * came after the start timeout): RemoteStopTransaction, sent again while the charger is away,
   * for about a minute. It was answered idTagInfo Invalid too, which stops a charger configured
   * with StopTransactionOnInvalidId (OCPP 1.6 §9.1.29).
   */
  private async stopStray(s: SessionRecord, transactionId: number, attempts: number): Promise<void> {
    try {
      const answer = await this.deps.chargers.remoteStop(s.chargerId, transactionId);
      if (answer !== 'accepted') this.deps.logger.warn({ sessionId: s.id, chargerId: s.chargerId, transactionId, answer }, 'charger refused to stop a transaction nobody pays for');
    } catch (err) {
      if (err instanceof ChargerUnavailableError && attempts < 12) throw new RetryLater(`charger ${s.chargerId} away; the stray transaction's stop waits`, 5_000);
      this.deps.logger.error({ err, sessionId: s.id, chargerId: s.chargerId, transactionId }, 'could not stop a transaction nobody pays for');
    }
  }

  private async sendReceipt(s: SessionRecord): Promise<void> {
    await this.deps.payments.sendReceipt(s.paymentReference, this.views.receiptOf(s).receipt);
    await this.deps.payments.setReceiptLink(s.paymentReference, `${this.deps.settings.publicUrl}/s/${s.id}?t=${receiptToken(this.deps.secret, s.id)}`);
  }

  /**
   * On start-up: sessions left between states by a crash are moved on. Settle and timer jobs are
   * already durable in the outbox; what needs a nudge is payments still awaiting authorization,
   * and sessions whose outbox job was lost with a hand-edited database.
   */
  async reconcile(): Promise<void> {
    const open = await this.deps.stores.sessions.inStates(this.deps.db, ['finalizing', 'failed', 'starting', 'charging', 'stopping']);
    for (const s of open) {
      // A member's session has no payment of its own: its budget is not an authorization to release.
      if (s.billing !== 'membership' && (s.state === 'finalizing' || (s.state === 'failed' && s.authorizedOre !== undefined && s.captureOre === undefined))) {
        await this.core.settleJob(this.deps.db, s, s.state === 'finalizing' ? (s.captureOre ?? 0) : 0);
      }
      if (s.state === 'charging' || s.state === 'stopping') {
        if (!(await this.deps.stores.stations.chargerOnline(this.deps.db, s.chargerId))) await this.core.scheduleOfflineCheck(s, this.deps.clock.now(), 'reconcile');
      }
    }
    await this.paymentEvents.pollPendingPayments();
  }
}
