/**
 * Live sessions in memory on the node that holds their charger: one writer per session.
 *
 * Every event of a session runs through `serial(id, …)`, one at a time and in order, so a meter
 * sample never interleaves with a stop. A meter sample that decides nothing (no command, no new
 * state) changes only the in-memory session and is written behind in one batched statement every
 * `intervalMs`; anything that leads to money or a charger command is committed first, with its
 * outbox jobs, by the caller. A crash loses at most one batch of samples, which the charger's
 * register in StopTransaction makes good.
 */
import type { Logger } from '../log.js';
import { batchPieceSize, inPieces, type Queryable } from '../store/db.js';
import type { SessionRecord } from '../store/session-repository.js';
import { POWER_SERIES_POINTS as SERIES_POINTS } from '../../src/lib/shared/api.js';


export interface LiveEntry {
  session: SessionRecord;
  series: Array<{ t: string; w: number }>;
}

export class LiveSessions {
  private readonly byId = new Map<string, LiveEntry>();
  private readonly byTransaction = new Map<number, string>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly dirty = new Set<string>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  readonly stats = { flushes: 0, rows: 0, errors: 0 };

  constructor(
    private readonly db: Queryable,
    private readonly logger: Logger,
    private readonly intervalMs = 250
  ) {}

  /** Runs `fn` after every earlier task of the same session; tasks of other sessions run freely. */
  serial<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(sessionId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(sessionId, tail);
    void tail.then(() => {
      if (this.queues.get(sessionId) === tail) this.queues.delete(sessionId);
    });
    return run;
  }

  get(sessionId: string): LiveEntry | undefined {
    return this.byId.get(sessionId);
  }

  idForTransaction(transactionId: number): string | undefined {
    return this.byTransaction.get(transactionId);
  }

  /** Holds a charging or stopping session; anything else is let go. */
  put(session: SessionRecord, series?: LiveEntry['series']): void {
    if (session.state !== 'charging' && session.state !== 'stopping') return this.evict(session.id);
    const prev = this.byId.get(session.id);
    this.byId.set(session.id, { session, series: series ?? prev?.series ?? [] });
    if (session.transactionId !== undefined) this.byTransaction.set(session.transactionId, session.id);
  }

  evict(sessionId: string): void {
    const e = this.byId.get(sessionId);
    if (!e) return;
    this.byId.delete(sessionId);
    this.dirty.delete(sessionId);
    if (e.session.transactionId !== undefined) this.byTransaction.delete(e.session.transactionId);
  }

  /** Records a meter-only change, to be written behind. */
  meterChanged(session: SessionRecord, point?: { t: string; w: number }): void {
    const e = this.byId.get(session.id);
    if (!e) return;
    e.session = session;
    if (point) {
      e.series.push(point);
      if (e.series.length > SERIES_POINTS) e.series.splice(0, e.series.length - SERIES_POINTS);
    }
    this.dirty.add(session.id);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.intervalMs);
  }

  /**
   * A committed row is the truth (it was decided on `freshest`). Only sessions already held here
   * are updated: a node that merely served a driver's Stop does not start holding a session whose
   * charger, and meter, are on another node.
   */
  committed(session: SessionRecord): void {
    if (!this.byId.has(session.id)) return;
    this.dirty.delete(session.id);
    this.put(session);
  }

  /**
   * The row as the store has it, with the meter fields this node holds newer in memory: used by
   * a transaction that is about to decide on the session (it must see the latest reading).
   */
  freshest(row: SessionRecord): SessionRecord {
    const mem = this.byId.get(row.id)?.session;
    if (!mem?.lastMeterAt || (row.lastMeterAt && row.lastMeterAt >= mem.lastMeterAt)) return row;
    return {
      ...row,
      energyWh: Math.max(row.energyWh, mem.energyWh),
      powerW: mem.powerW,
      lastMeterAt: mem.lastMeterAt,
      idleSeconds: mem.idleSeconds,
      idleSince: mem.idleSince,
      anomalies: mem.anomalies
    };
  }

  get size(): number {
    return this.byId.size;
  }

  /** Writes every pending meter change in one statement. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ids = [...this.dirty];
    this.dirty.clear();
    const rows = ids.map((id) => this.byId.get(id)?.session).filter((s): s is SessionRecord => s !== undefined && s.lastMeterAt !== undefined);
    this.flushing = this.flushing.then(() => this.write(rows));
    return this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private write(all: SessionRecord[]): Promise<void> {
    return inPieces(all, batchPieceSize(this.db), (rows) => this.writePiece(rows));
  }

  private async writePiece(rows: SessionRecord[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      // Only meter fields, only while the session still runs, and never backwards: a decision
      // committed meanwhile (a stop, a settlement) is not overwritten.
      await this.db.query(
        `update charging_sessions s set energy_wh = u.energy, power_w = u.power, last_meter_at = u.at,
                idle_seconds = u.idle, idle_since = u.idle_since, anomalies = u.anomalies::jsonb
           from (select * from unnest($1::text[], $2::bigint[], $3::int[], $4::timestamptz[], $5::int[], $6::timestamptz[], $7::text[])
                   as x(id, energy, power, at, idle, idle_since, anomalies)) u
          where s.id = u.id and s.state in ('charging', 'stopping') and (s.last_meter_at is null or s.last_meter_at <= u.at)`,
        [
          rows.map((s) => s.id),
          rows.map((s) => Math.round(s.energyWh)),
          rows.map((s) => Math.round(s.powerW)),
          rows.map((s) => s.lastMeterAt!.toISOString()),
          rows.map((s) => s.idleSeconds ?? 0),
          rows.map((s) => s.idleSince?.toISOString() ?? null),
          rows.map((s) => JSON.stringify(s.anomalies ?? []))
        ]
      );
      this.stats.flushes++;
      this.stats.rows += rows.length;
    } catch (err) {
      // Put them back: the next flush tries again (the in-memory session is still the newest).
      this.stats.errors++;
      for (const s of rows) if (this.byId.has(s.id)) this.dirty.add(s.id);
      this.logger.error({ err, sessions: rows.length }, 'could not write meter readings behind; will retry');
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.intervalMs * 4);
    }
  }
}
