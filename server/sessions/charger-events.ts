/**
 * What chargers tell plugpay (the ChargerListener port): authorizations, transactions, meter
 * values, statuses, comings and goings. The meter path is the hot one: it runs in memory.
 */
import type { ChargerListener, ChargerOffline, ChargerOnline, ConnectorStatusChanged, IdTagVerdict, MeterSampled, TransactionStarted, TransactionStopped } from '../chargers/port.js';
import { isLive, transition, type SessionEvent } from '../domain/session.js';
import type { SessionRecord } from '../store/session-repository.js';
import type { SessionCore, SessionDeps } from './session-core.js';

/** The StartTransaction answer goes out first; the TriggerMessage follows it. */
const FIRST_METER_DELAY_MS = 300;

export class ChargerEvents implements ChargerListener {
  constructor(
    private readonly deps: SessionDeps,
    private readonly core: SessionCore
  ) {}

  async authorize(idTag: string): Promise<IdTagVerdict> {
    const s = await this.deps.stores.sessions.findBy(this.deps.db, 'id_tag', idTag);
    return s && isLive(s.state) && s.state !== 'awaiting_payment' ? 'accepted' : 'invalid';
  }

  async chargerOnline(e: ChargerOnline): Promise<void> {
    await this.stationOf(e.chargerId);
    await this.tellDrivers(e.chargerId);
  }

  async chargerOffline(e: ChargerOffline): Promise<void> {
    for (const s of await this.deps.stores.sessions.liveOnCharger(this.deps.db, e.chargerId)) {
      if (s.state === 'charging' || s.state === 'stopping') await this.core.scheduleOfflineCheck(s, e.at, 'departure');
      // The charger may come back on another node, which then holds the session. Write this
      // node's readings and let go, so no stale copy lingers here.
      await this.deps.live.serial(s.id, async () => {
        await this.deps.live.flush();
        this.deps.live.evict(s.id);
      });
    }
    await this.stationOf(e.chargerId);
    await this.tellDrivers(e.chargerId);
  }

  /** The phones of a charger's running sessions learn at once that it left or came back. */
  private async tellDrivers(chargerId: string): Promise<void> {
    for (const s of await this.deps.stores.sessions.liveOnCharger(this.deps.db, chargerId)) {
      if (s.state === 'starting' || s.state === 'charging' || s.state === 'stopping') await this.core.publish(this.deps.live.freshest(s), 'meter');
    }
  }

  private async stationOf(chargerId: string): Promise<void> {
    const cs = await this.deps.stores.stations.connectors(this.deps.db, { chargerId });
    for (const c of cs) await this.core.notifyConnector(c.id);
  }

  async connectorStatusChanged(e: ConnectorStatusChanged): Promise<void> {
    if (e.connectorNo === 0) return this.stationOf(e.chargerId);
    const c = await this.deps.stores.stations.connectorByCharger(this.deps.db, e.chargerId, e.connectorNo);
    if (!c) return;
    if (e.status === 'available' || e.status === 'faulted' || e.status === 'unavailable') {
      // A charger that rebooted and lost its transaction reports the connector free without a
      // StopTransaction. Queued transaction messages may still follow the status after a
      // reconnect (OCPP 1.6 §4.x), so look again later before billing from the last reading.
      const live = await this.deps.stores.sessions.liveOnConnector(this.deps.db, c.id);
      if (live && (live.state === 'charging' || live.state === 'stopping')) {
        await this.deps.stores.outbox.enqueue(this.deps.db, {
          kind: 'orphan-check',
          sessionId: live.id,
          idempotencyKey: `${live.paymentReference}-orphan`,
          payload: { at: e.at.toISOString() },
          runAt: new Date(this.deps.clock.now().getTime() + this.orphanGraceMs()),
          rearm: true
        });
      }
    }
    await this.core.notifyConnector(c.id);
  }

  /** How long a free-looking connector may keep a charging session before it is billed. */
  private orphanGraceMs(): number {
    return Math.max(60, 3 * this.deps.settings.meterIntervalSeconds) * 1000;
  }

  async transactionStarted(e: TransactionStarted): Promise<IdTagVerdict> {
    const s = await this.deps.stores.sessions.findBy(this.deps.db, 'id_tag', e.idTag);
    // A tag paid for one connector starts nothing on another (the driver paid for that one).
    if (!s || s.chargerId !== e.chargerId || s.connectorNo !== e.connectorNo) {
      if (s) this.deps.logger.warn({ sessionId: s.id, chargerId: e.chargerId, connectorNo: e.connectorNo, paidFor: s.connectorNo }, 'StartTransaction on a connector the session did not pay for');
      return 'invalid';
    }
    if (s.transactionId === e.transactionId) {
      // A repeat: still welcome while the session runs; after it was finalized, the charger must stop.
      return s.state === 'charging' || s.state === 'stopping' ? 'accepted' : 'invalid';
    }
    const saved = await this.core.apply(s.id, { type: 'transaction-started', transactionId: e.transactionId, meterStartWh: e.meterStartWh, at: e.at, receivedAt: this.deps.clock.now() });
    if (saved?.state === 'charging' && saved.transactionId === e.transactionId) {
      // The driver should see energy at once, not after the charger's first meter interval: ask
      // for a reading (TriggerMessage) right after this answer has gone out.
      await this.deps.stores.outbox.enqueue(this.deps.db, {
        kind: 'first-meter',
        sessionId: s.id,
        idempotencyKey: `${s.paymentReference}-first-meter-${e.transactionId}`,
        runAt: new Date(this.deps.clock.now().getTime() + FIRST_METER_DELAY_MS)
      });
      this.core.wakeWorker();
      return 'accepted';
    }
    // Too late (the start timed out and the reservation is released): the charger must stop. The
    // stop is a job like every charger command (sent after this answer, retried while the
    // charger is away), not a fire-and-forget call.
    this.deps.logger.warn({ sessionId: s.id, transactionId: e.transactionId, state: saved?.state }, 'transaction for a session that is over');
    await this.deps.stores.outbox.enqueue(this.deps.db, {
      kind: 'stop-stray',
      sessionId: s.id,
      idempotencyKey: `${s.paymentReference}-stray-${e.transactionId}`,
      payload: { transactionId: e.transactionId },
      runAt: new Date(this.deps.clock.now().getTime() + 1000)
    });
    this.core.wakeWorker();
    return 'invalid';
  }

  /**
   * The hot path: a sample that decides nothing changes the session in memory and is written
   * behind (live-sessions.ts); one that leads to a stop is committed first, with its jobs.
   */
  async meterSampled(e: MeterSampled): Promise<void> {
    let id = this.deps.live.idForTransaction(e.transactionId);
    if (!id) {
      const s = await this.deps.stores.sessions.findBy(this.deps.db, 'transaction_id', e.transactionId);
      if (!s || s.chargerId !== e.chargerId) return;
      id = s.id;
      await this.deps.live.serial(id, async () => {
        if (this.deps.live.get(s.id)) return;
        const fresh = await this.deps.stores.sessions.find(this.deps.db, s.id);
        if (fresh && fresh.transactionId !== undefined) this.deps.live.put(fresh, await this.deps.stores.sessions.powerSeries(this.deps.db, fresh.transactionId));
      });
    }
    const came = performance.now();
    const event: SessionEvent = { type: 'meter', energyWh: e.energyWh, powerW: e.powerW, at: e.at, receivedAt: this.deps.clock.now() };
    await this.deps.live.serial(id, async () => {
      const entry = this.deps.live.get(id);
      if (!entry) {
        // Not live here (finished, or owned elsewhere): the ordinary path decides.
        await this.core.applyNow(id, event);
        return;
      }
      if (entry.session.chargerId !== e.chargerId) return;
      const t = transition(entry.session, event, { meterIntervalSeconds: this.deps.settings.meterIntervalSeconds });
      if (!t.applied) return;
      if (t.commands.length > 0 || t.session.state !== entry.session.state) {
        await this.core.applyNow(id, event);
        return;
      }
      const next: SessionRecord = { ...entry.session, ...t.session };
      this.core.noteAnomalies(entry.session, next);
      this.deps.live.meterChanged(next, e.powerW !== undefined || e.energyWh !== undefined ? { t: next.lastMeterAt!.toISOString(), w: Math.round(next.powerW) } : undefined);
      await this.core.publishMeter(next);
      this.core.hooks.meterPublished?.(performance.now() - came);
    });
  }

  async transactionStopped(e: TransactionStopped): Promise<void> {
    const s = await this.deps.stores.sessions.findBy(this.deps.db, 'transaction_id', e.transactionId);
    if (!s || s.chargerId !== e.chargerId) {
      this.deps.logger.warn({ transactionId: e.transactionId, chargerId: e.chargerId }, 'stop for a transaction without a session');
      return;
    }
    await this.core.apply(s.id, { type: 'transaction-stopped', meterStopWh: e.meterStopWh, at: e.at, receivedAt: this.deps.clock.now(), reason: e.reason });
  }

  /** StopTransaction.conf idTagInfo: the session's own tag was accepted at the start, and still is for this answer. */
  async stopVerdict(e: { chargerId: string; transactionId: number; idTag: string }): Promise<IdTagVerdict> {
    const s = await this.deps.stores.sessions.findBy(this.deps.db, 'transaction_id', e.transactionId);
    if (s && s.chargerId === e.chargerId && s.idTag === e.idTag) return 'accepted';
    return this.authorize(e.idTag);
  }
}
