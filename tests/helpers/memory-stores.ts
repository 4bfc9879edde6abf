/**
 * In-memory stand-ins for the repositories the session services use (SessionStores), so a
 * service can be built with all its ports faked and tested in milliseconds:
 * `const { sut, stores, payments, chargers, clock } = newTestService()`.
 * They keep the store's rules that the services rely on (a row is a copy, ids are unique, an
 * outbox key is enqueued once) and nothing more; the real repositories have their own tests.
 */
import type { Db } from '../../server/store/db.js';
import type { OutboxJob } from '../../server/store/outbox-repository.js';
import type { SessionRecord } from '../../server/store/session-repository.js';
import type { ConnectorRecord, StationRecord } from '../../server/store/station-repository.js';
import type { SessionStores } from '../../server/sessions/session-core.js';
import { ChargingService } from '../../server/sessions/charging-service.js';
import { silentLogger } from '../../server/log.js';
import type { SessionState } from '../../server/domain/session.js';
import { aChargingSettings, aTariff } from './builders.js';
import { FakeChargers, FakePayments, TEST_SERVER_SECRET } from './fakes.js';

/** The arrays LiveSessions.write sends, in its order (the rest are not modelled). */
type MeterBatch = [string[], number[], number[], string[], ...unknown[]];

const LIVE: SessionState[] = ['awaiting_payment', 'starting', 'charging', 'stopping'];
const copy = <T>(v: T): T => structuredClone(v);

export class MemoryStores implements SessionStores {
  readonly rows = new Map<string, SessionRecord>();
  readonly connectorsById = new Map<string, ConnectorRecord>();
  readonly stationList: StationRecord[] = [];
  readonly jobs: Array<OutboxJob & { runAt: Date; done: boolean }> = [];
  readonly seen = new Set<string>();
  private nextJob = 1;

  sessions: SessionStores['sessions'] = {
    find: async (_db, id) => (this.rows.has(id) ? copy(this.rows.get(id)!) : null),
    findBy: async (_db, field, value) => {
      const key = ({ payment_reference: 'paymentReference', id_tag: 'idTag', transaction_id: 'transactionId' } as const)[field];
      const s = [...this.rows.values()].find((r) => r[key] === value);
      return s ? copy(s) : null;
    },
    insert: async (_db, s) => {
      if (this.rows.has(s.id)) throw new Error(`duplicate session ${s.id}`);
      const row: SessionRecord = { ...copy(s), updatedAt: s.createdAt, version: 0 };
      this.rows.set(s.id, row);
      return copy(row);
    },
    update: async (_db, s, at) => {
      const row: SessionRecord = { ...copy(s), updatedAt: at, version: (this.rows.get(s.id)?.version ?? 0) + 1 };
      this.rows.set(s.id, row);
      return copy(row);
    },
    awaitingPayment: async (_db, ids) => ids.filter((id) => this.rows.get(id)?.state === 'awaiting_payment'),
    inStates: async (_db, states) => [...this.rows.values()].filter((r) => states.includes(r.state)).map(copy),
    liveOnConnector: async (_db, connectorId) => {
      const live = [...this.rows.values()].filter((r) => r.connectorId === connectorId && LIVE.includes(r.state));
      return live.length ? copy(live.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0]) : null;
    },
    liveOnConnectors: async (_db, ids) => [...this.rows.values()].filter((r) => ids.includes(r.connectorId) && LIVE.includes(r.state)).map(copy),
    liveOnCharger: async (_db, chargerId) =>
      [...this.rows.values()].filter((r) => r.chargerId === chargerId && ['starting', 'charging', 'stopping'].includes(r.state)).map(copy),
    powerSeries: async () => [],
    setPaymentUrl: async (_db, id, url) => {
      const row = this.rows.get(id);
      if (row) row.paymentUrl = url;
    },
    countByState: async () => {
      const n = new Map<string, number>();
      for (const r of this.rows.values()) n.set(r.state, (n.get(r.state) ?? 0) + 1);
      return [...n].map(([state, count]) => ({ state, count }));
    }
  };

  stations: SessionStores['stations'] = {
    connector: async (_db, id) => (this.connectorsById.has(id) ? copy(this.connectorsById.get(id)!) : null),
    connectors: async (_db, opts = {}) =>
      [...this.connectorsById.values()].filter((c) => (!opts.chargerId || c.chargerId === opts.chargerId) && (!opts.stationId || c.station?.id === opts.stationId)).map(copy),
    startableAtStation: async (_db, stationId, exceptId, limit) =>
      [...this.connectorsById.values()]
        .filter((c) => c.station?.id === stationId && c.id !== exceptId && c.chargerOnline && (c.status === 'available' || c.status === 'preparing'))
        .sort((a, b) => a.chargerId.localeCompare(b.chargerId) || a.connectorNo - b.connectorNo)
        .slice(0, limit)
        .map(copy),
    connectorByCharger: async (_db, chargerId, connectorNo) =>
      copy([...this.connectorsById.values()].find((c) => c.chargerId === chargerId && c.connectorNo === connectorNo) ?? null),
    lockConnector: async (_db, id) => this.connectorsById.has(id),
    chargerOnline: async (_db, chargerId) => [...this.connectorsById.values()].some((c) => c.chargerId === chargerId && c.chargerOnline),
    stations: async (_db, stationId) => this.stationList.filter((s) => !stationId || s.id === stationId).map(copy)
  };

  outbox: SessionStores['outbox'] = {
    enqueue: async (_db, job) => {
      const existing = this.jobs.find((j) => j.idempotencyKey === job.idempotencyKey);
      const runAt = job.runAt ?? this.now();
      if (existing) {
        if (job.replace || (job.rearm && existing.done)) Object.assign(existing, { payload: job.payload ?? {}, runAt, done: false, attempts: 0, generation: existing.generation + 1 });
        return;
      }
      this.jobs.push({ id: this.nextJob++, kind: job.kind, sessionId: job.sessionId, idempotencyKey: job.idempotencyKey, payload: job.payload ?? {}, attempts: 0, runAt, done: false, generation: 0 });
    },
    depth: async () => ({ pending: this.jobs.filter((j) => !j.done).length, dead: 0 }),
    deadLetters: async () => []
  };

  notifications: SessionStores['notifications'] = {
    seen: async (_db, n) => this.seen.has(`${n.reference}|${n.name}|${n.pspReference}`),
    recordOnce: async (_db, n) => {
      const key = `${n.reference}|${n.name}|${n.pspReference}`;
      if (this.seen.has(key)) return false;
      this.seen.add(key);
      return true;
    }
  };

  constructor(private readonly now: () => Date) {}

  /** A connector that takes payments: online, available, at a station with a tariff. */
  addConnector(over: Partial<ConnectorRecord> = {}): ConnectorRecord {
    const station: StationRecord = { id: 'st1', name: 'Test Station', address: 'Street 1', city: 'Oslo', lat: 59.9, lng: 10.7, tariffId: 't-test' };
    if (!this.stationList.some((s) => s.id === station.id)) this.stationList.push(station);
    const c: ConnectorRecord = {
      id: 'CP1-1', chargerId: 'CP1', connectorNo: 1, plugType: 'CCS', maxPowerW: 150_000, status: 'available', chargerOnline: true,
      station, tariff: aTariff(), ...over
    };
    this.connectorsById.set(c.id, c);
    return c;
  }

  /** An operator renames the station every connector is at. */
  renameStation(name: string): void {
    for (const st of this.stationList) st.name = name;
    for (const c of this.connectorsById.values()) if (c.station) c.station.name = name;
  }

  /** The meter write-behind's batch (LiveSessions.write): ids, energy, power, reading time. */
  writeMeters([ids, energy, power, at]: MeterBatch): void {
    ids.forEach((id, i) => {
      const row = this.rows.get(id);
      const readAt = new Date(at[i]);
      if (!row || !['charging', 'stopping'].includes(row.state) || (row.lastMeterAt && row.lastMeterAt > readAt)) return;
      Object.assign(row, { energyWh: energy[i], powerW: power[i], lastMeterAt: readAt });
    });
  }

  /** Kinds of the jobs not yet done for a session, sorted. */
  pendingKinds(sessionId: string): string[] {
    return this.jobs.filter((j) => !j.done && j.sessionId === sessionId).map((j) => j.kind).sort();
  }
}

/**
 * A ChargingService with every port faked: in-memory stores, payments, chargers, a frozen clock.
 * `runDue()` performs the due jobs once, as the worker would (a failure or a wait puts one back).
 */
export function newTestService() {
  const clock = { t: new Date('2031-02-03T04:05:06Z'), now() { return this.t; } };
  const stores = new MemoryStores(() => clock.now());
  const payments = new FakePayments();
  const chargers = new FakeChargers();
  // The meter write-behind is the only SQL that reaches this database; its batch is applied to
  // the rows by the same rule (running sessions only, never backwards).
  const query = async (sql: string, params: unknown[] = []) => {
    if (/^\s*update charging_sessions s set energy_wh/.test(sql)) stores.writeMeters(params as MeterBatch);
    return { rows: [] };
  };
  const db = { query, transaction: async <T>(fn: (tx: unknown) => Promise<T>) => fn(db), close: async () => undefined } as unknown as Db;
  let n = 0;
  const sut = new ChargingService({
    db,
    payments,
    chargers,
    logger: silentLogger,
    clock,
    ids: { sessionId: () => `f00d${String(++n).padStart(8, '0')}`, sessionToken: () => `token-${n}-${'x'.repeat(24)}` },
    secret: TEST_SERVER_SECRET,
    stores,
    settings: aChargingSettings({ meterFlushMs: 60_000 })
  });
  const advance = (ms: number) => (clock.t = new Date(clock.t.getTime() + ms));
  async function runDue(): Promise<string[]> {
    const ran: string[] = [];
    for (const job of stores.jobs.filter((j) => !j.done && j.runAt <= clock.now())) {
      job.attempts++;
      ran.push(job.kind);
      try {
        await sut.runJob(job);
        job.done = true;
      } catch (err) {
        job.runAt = new Date(clock.now().getTime() + Math.max(1, (err as { retryAfterMs?: number }).retryAfterMs ?? 1000));
      }
    }
    return ran;
  }
  return { sut, stores, payments, chargers, clock, advance, runDue };
}
