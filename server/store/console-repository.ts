/**
 * The operator console's reads over sessions, payments and money jobs: the sessions list, a
 * session's payment trail, the day's figures, and "retry now" on a failed money job.
 */
import type { SessionSummary } from '../../src/lib/shared/operator-api.js';
import type { SessionState } from '../domain/session.js';
import type { Tariff } from '../domain/tariff.js';
import type { Queryable } from './db.js';
import { tariffFromRow } from './station-repository.js';

export interface SessionListFilter {
  stationId?: string;
  state?: SessionState;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  limit?: number;
}

/** A row of the sessions list as stored: the console's `SessionSummary` with dates, and why it failed. */
export type SessionListRow = Omit<SessionSummary, 'createdAt' | 'startedAt' | 'stoppedAt'> & {
  createdAt: Date;
  startedAt?: Date;
  stoppedAt?: Date;
  failure?: string;
};

export interface PaymentNotificationRow {
  name: string;
  pspReference: string;
  receivedAt: Date;
}

export interface MoneyJobRow {
  id: number;
  kind: string;
  sessionId?: string;
  attempts: number;
  createdAt: Date;
  doneAt?: Date;
  failedAt?: Date;
  deadAt?: Date;
  nextAttemptAt?: Date;
  lastError?: string;
}

type Row = Record<string, any>;
const date = (v: unknown) => (v == null ? undefined : new Date(v as string));
const num = (v: unknown) => (v == null ? undefined : Number(v));

const sessionRow = (r: Row): SessionListRow => ({
  id: r.id,
  state: r.state,
  connectorId: r.connector_id,
  chargerId: r.charger_id,
  stationId: r.station_id ?? undefined,
  stationName: r.station_name ?? undefined,
  paymentReference: r.payment_reference,
  reservedOre: Number(r.reserved_ore),
  authorizedOre: num(r.authorized_ore),
  costOre: num(r.cost_ore),
  capturedOre: num(r.captured_ore),
  cancelledOre: num(r.cancelled_ore),
  energyWh: Number(r.energy_wh),
  createdAt: new Date(r.created_at),
  startedAt: date(r.started_at),
  stoppedAt: date(r.stopped_at),
  stopReason: r.stop_reason ?? undefined,
  failure: r.failure ?? undefined
});

const jobRow = (r: Row): MoneyJobRow => ({
  id: Number(r.id),
  kind: r.kind,
  sessionId: r.session_id ?? undefined,
  attempts: Number(r.attempts),
  createdAt: new Date(r.created_at),
  doneAt: date(r.done_at),
  failedAt: date(r.failed_at),
  deadAt: date(r.dead_at),
  nextAttemptAt: date(r.next_attempt_at),
  lastError: r.last_error ?? undefined
});

const SESSION_SELECT = `
  select cs.id, cs.state, cs.connector_id, cs.charger_id, cs.payment_reference, cs.reserved_ore, cs.authorized_ore,
         cs.cost_ore, cs.captured_ore, cs.cancelled_ore, cs.energy_wh, cs.created_at, cs.started_at, cs.stopped_at,
         cs.stop_reason, cs.failure, st.id as station_id, st.name as station_name
    from charging_sessions cs
    left join chargers ch on ch.id = cs.charger_id
    left join stations st on st.id = ch.station_id`;

/** The jobs that move or account for money (and the receipt the driver is owed). */
export const MONEY_JOB_KINDS = ['settle', 'receipt'] as const;

export class ConsoleRepository {
  /** Sessions newest first, filtered; at most `limit` (default 200). */
  async sessions(db: Queryable, f: SessionListFilter = {}): Promise<SessionListRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.stationId) add('st.id = ?', f.stationId);
    if (f.state) add('cs.state = ?', f.state);
    if (f.from) add('cs.created_at >= ?', f.from);
    if (f.to) add('cs.created_at < ?', f.to);
    params.push(Math.min(Math.max(f.limit ?? 200, 1), 5000));
    const { rows } = await db.query(`${SESSION_SELECT} ${where.length ? `where ${where.join(' and ')}` : ''} order by cs.created_at desc, cs.id limit $${params.length}`, params);
    return rows.map(sessionRow);
  }

  async session(db: Queryable, id: string): Promise<SessionListRow | null> {
    const { rows } = await db.query(`${SESSION_SELECT} where cs.id = $1`, [id]);
    return rows[0] ? sessionRow(rows[0]) : null;
  }

  /** Sessions that ended (stopped) in [from, to), or were created then and failed: the day's money. */
  async sessionsOfPeriod(db: Queryable, from: Date, to: Date): Promise<SessionListRow[]> {
    const { rows } = await db.query(
      `${SESSION_SELECT} where (cs.stopped_at >= $1 and cs.stopped_at < $2) or (cs.created_at >= $1 and cs.created_at < $2) order by cs.created_at`,
      [from, to]
    );
    return rows.map(sessionRow);
  }

  async liveCount(db: Queryable): Promise<number> {
    const { rows } = await db.query(`select count(*)::int as n from charging_sessions where state in ('starting','charging','stopping','finalizing')`);
    return Number(rows[0]?.n ?? 0);
  }

  /** The payment's webhooks as they arrived (Vipps event name and its pspReference). */
  async notifications(db: Queryable, reference: string): Promise<PaymentNotificationRow[]> {
    const { rows } = await db.query('select name, psp_reference, received_at from payment_notifications where reference = $1 order by received_at', [reference]);
    return rows.map((r) => ({ name: r.name as string, pspReference: r.psp_reference as string, receivedAt: new Date(r.received_at as string) }));
  }

  /** Every job of a session, oldest first. */
  async jobsOf(db: Queryable, sessionId: string): Promise<MoneyJobRow[]> {
    const { rows } = await db.query('select * from outbox where session_id = $1 order by created_at, id', [sessionId]);
    return rows.map(jobRow);
  }

  /** Money jobs not done that failed at least once: dead-lettered ones first, then by age. */
  async troubledMoneyJobs(db: Queryable): Promise<MoneyJobRow[]> {
    const { rows } = await db.query(
      `select * from outbox where done_at is null and kind = any($1::text[]) and (dead_at is not null or failed_at is not null or last_error is not null)
        order by dead_at nulls last, created_at limit 500`,
      [MONEY_JOB_KINDS]
    );
    return rows.map(jobRow);
  }

  async tariffs(db: Queryable): Promise<Tariff[]> {
    const { rows } = await db.query('select * from tariffs order by id');
    return rows.map((r) => tariffFromRow(r));
  }

  /**
   * Makes a pending money job due at `now`; false when it is done, unknown, not a money job, or
   * running on a worker right now (its lease is left alone, so it never runs twice at once).
   */
  async retryNow(db: Queryable, id: number, now: Date): Promise<boolean> {
    const { rows } = await db.query(
      `update outbox set next_attempt_at = $2, failed_at = null
        where id = $1 and done_at is null and kind = any($3::text[]) and (locked_until is null or locked_until < $2) returning id`,
      [id, now, MONEY_JOB_KINDS]
    );
    return rows.length > 0;
  }
}
