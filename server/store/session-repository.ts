/** Charging sessions: rows ↔ the domain's Session plus the links to connector, payment and charger. */
import type { Session, SessionState } from '../domain/session.js';
import type { Tariff } from '../domain/tariff.js';
import type { Queryable } from './db.js';

export interface SessionRecord extends Session {
  tokenHash: string;
  connectorId: string;
  chargerId: string;
  connectorNo: number;
  paymentReference: string;
  idTag: string;
  cancelledOre?: number;
  /** The member whose daily charge pays this session (billing 'membership'). */
  memberId?: string;
  /** Where the driver approves the payment, while it awaits approval. */
  paymentUrl?: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

type Row = Record<string, any>;

const date = (v: unknown): Date | undefined => (v == null ? undefined : new Date(v as string));
const num = (v: unknown): number | undefined => (v == null ? undefined : Number(v));

function fromRow(r: Row): SessionRecord {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    connectorId: r.connector_id,
    chargerId: r.charger_id,
    connectorNo: r.connector_no,
    state: r.state as SessionState,
    paymentReference: r.payment_reference,
    idTag: r.id_tag,
    reservedOre: r.reserved_ore,
    authorizedOre: num(r.authorized_ore),
    tariff: (typeof r.tariff === 'string' ? JSON.parse(r.tariff) : r.tariff) as Tariff,
    transactionId: num(r.transaction_id),
    meterStartWh: num(r.meter_start_wh),
    meterStopWh: num(r.meter_stop_wh),
    // int8 columns come back from pg as strings.
    energyWh: Number(r.energy_wh),
    powerW: r.power_w,
    startedAt: date(r.started_at),
    lastMeterAt: date(r.last_meter_at),
    idleSeconds: r.idle_seconds ?? 0,
    idleSince: date(r.idle_since),
    stoppedAt: date(r.stopped_at),
    stopReason: r.stop_reason ?? undefined,
    failure: r.failure ?? undefined,
    costOre: num(r.cost_ore),
    captureOre: num(r.captured_ore),
    cancelledOre: num(r.cancelled_ore),
    paymentUrl: r.payment_url ?? undefined,
    maxPowerW: num(r.max_power_w),
    billing: r.billing ?? 'reservation',
    memberId: r.member_id ?? undefined,
    anomalies: Array.isArray(r.anomalies) ? r.anomalies : typeof r.anomalies === 'string' ? JSON.parse(r.anomalies) : [],
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    version: r.version
  };
}

export class SessionRepository {
  /** Inserts a new session; `createdAt` comes from the caller's clock (timers compare against it). */
  async insert(db: Queryable, s: Omit<SessionRecord, 'updatedAt' | 'version'>): Promise<SessionRecord> {
    const { rows } = await db.query(
      `insert into charging_sessions (id, token_hash, connector_id, charger_id, connector_no, state, payment_reference, id_tag,
         reserved_ore, tariff, energy_wh, power_w, created_at, updated_at, max_power_w, billing, member_id)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13,$14,$15,$16) returning *`,
      [s.id, s.tokenHash, s.connectorId, s.chargerId, s.connectorNo, s.state, s.paymentReference, s.idTag, s.reservedOre, JSON.stringify(s.tariff), s.energyWh, s.powerW, s.createdAt, s.maxPowerW ?? null, s.billing ?? 'reservation', s.memberId ?? null]
    );
    return fromRow(rows[0]);
  }

  async find(db: Queryable, id: string, opts: { lock?: boolean } = {}): Promise<SessionRecord | null> {
    const { rows } = await db.query(`select * from charging_sessions where id = $1${opts.lock ? ' for update' : ''}`, [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async findBy(db: Queryable, field: 'payment_reference' | 'id_tag' | 'transaction_id', value: string | number): Promise<SessionRecord | null> {
    const { rows } = await db.query(`select * from charging_sessions where ${field} = $1`, [value]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async liveOnConnector(db: Queryable, connectorId: string): Promise<SessionRecord | null> {
    const { rows } = await db.query(
      `select * from charging_sessions where connector_id = $1 and state in ('awaiting_payment','starting','charging','stopping')
       order by created_at desc limit 1`,
      [connectorId]
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** The live sessions on these connectors (the operators' map of one station, or all). */
  async liveOnConnectors(db: Queryable, connectorIds: string[]): Promise<SessionRecord[]> {
    if (connectorIds.length === 0) return [];
    const { rows } = await db.query(
      `select * from charging_sessions where connector_id = any($1::text[]) and state in ('awaiting_payment','starting','charging','stopping')
        order by created_at`,
      [connectorIds]
    );
    return rows.map(fromRow);
  }

  async inStates(db: Queryable, states: SessionState[], limit = 500): Promise<SessionRecord[]> {
    const { rows } = await db.query(`select * from charging_sessions where state = any($1) order by created_at limit $2`, [states, limit]);
    return rows.map(fromRow);
  }

  /**
   * Sessions holding an authorized reservation (not yet captured and cancelled) that were created
   * before `before`, oldest first: what the reservation watch alerts on.
   */
  async holdingReservationSince(db: Queryable, before: Date, limit = 100): Promise<SessionRecord[]> {
    const { rows } = await db.query(
      `select * from charging_sessions
        where state in ('starting','charging','stopping','finalizing') and authorized_ore is not null and created_at < $1
        order by created_at limit $2`,
      [before, limit]
    );
    return rows.map(fromRow);
  }

  async liveOnCharger(db: Queryable, chargerId: string): Promise<SessionRecord[]> {
    const { rows } = await db.query(
      `select * from charging_sessions where charger_id = $1 and state in ('starting','charging','stopping')`,
      [chargerId]
    );
    return rows.map(fromRow);
  }

  /** Remembers where the driver approves the payment (set once, after the provider answered). */
  async setPaymentUrl(db: Queryable, id: string, url: string): Promise<void> {
    await db.query(`update charging_sessions set payment_url = $2 where id = $1`, [id, url]);
  }

  /** Saves a session whose row the caller holds locked; bumps the version. `at` is plugpay's clock. */
  async update(db: Queryable, s: SessionRecord, at: Date): Promise<SessionRecord> {
    const { rows } = await db.query(
      `update charging_sessions set state=$2, authorized_ore=$3, transaction_id=$4, meter_start_wh=$5, meter_stop_wh=$6,
         energy_wh=$7, power_w=$8, started_at=$9, stopped_at=$10, stop_reason=$11, failure=$12, cost_ore=$13,
         captured_ore=$14, cancelled_ore=$15, last_meter_at=$16, idle_seconds=$17, idle_since=$18, updated_at=$19, anomalies=$20, version=version+1
       where id=$1 returning *`,
      [
        s.id, s.state, s.authorizedOre ?? null, s.transactionId ?? null, s.meterStartWh ?? null, s.meterStopWh ?? null,
        s.energyWh, s.powerW, s.startedAt ?? null, s.stoppedAt ?? null, s.stopReason ?? null, s.failure ?? null,
        s.costOre ?? null, s.captureOre ?? null, s.cancelledOre ?? null, s.lastMeterAt ?? null,
        s.idleSeconds ?? 0, s.idleSince ?? null, at, JSON.stringify(s.anomalies ?? [])
      ]
    );
    return fromRow(rows[0]);
  }

  /** The latest power samples of a transaction, oldest first, for the driver's chart. */
  /** How many sessions are in each state (metrics). */
  /** Which of these sessions still await the driver's approval (the per-device start rule). */
  async awaitingPayment(db: Queryable, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await db.query<{ id: string }>(`select id from charging_sessions where id = any($1::text[]) and state = 'awaiting_payment'`, [ids]);
    return rows.map((r) => r.id);
  }

  async countByState(db: Queryable): Promise<Array<{ state: string; count: number }>> {
    const { rows } = await db.query<{ state: string; n: number }>(`select state, count(*)::int as n from charging_sessions group by state`);
    return rows.map((r) => ({ state: r.state, count: Number(r.n) }));
  }

  async powerSeries(db: Queryable, transactionId: number, limit = 60): Promise<Array<{ t: string; w: number }>> {
    // Prefer the charger's total (no phase); otherwise add the phases up. kW is converted to W.
    const { rows } = await db.query<{ sampled_at: string | Date; total: number | null; phases: number | null }>(
      `select sampled_at,
              max(case when unit = 'kW' then value * 1000 else value end) filter (where phase = '') as total,
              sum(case when unit = 'kW' then value * 1000 else value end) filter (where phase <> '') as phases
         from meter_samples
        where transaction_id = $1 and measurand = 'Power.Active.Import'
        group by sampled_at order by sampled_at desc limit $2`,
      [transactionId, limit]
    );
    return rows.reverse().map((r) => ({ t: new Date(r.sampled_at).toISOString(), w: Math.round(Number(r.total ?? r.phases ?? 0)) }));
  }
}
