/**
 * The durable outbox: work that must happen after a state change (capture, release, receipt,
 * timers), written in the same transaction as the change and performed by a worker with retries.
 * Claiming uses FOR UPDATE SKIP LOCKED plus a lease, so several nodes can share one queue.
 */
import type { Queryable } from './db.js';

/** The one clock plugpay runs on; the database's now() is never asked (it may disagree). */
export interface OutboxClock {
  now(): Date;
}

export interface OutboxJob {
  id: number;
  kind: string;
  sessionId?: string;
  idempotencyKey: string;
  payload: Record<string, unknown>;
  attempts: number;
  /** Set once the job was dead-lettered (still retried, slowly). */
  deadAt?: Date;
  lastError?: string;
  nextAttemptAt?: Date;
  /** Which version of the job this is: replacing or re-arming it makes a new generation. */
  generation: number;
}

/** A claimed job, as the worker reports its outcome: which job, and which generation of it. */
export type ClaimedJob = Pick<OutboxJob, 'id' | 'generation'>;

type Row = Record<string, any>;

const fromRow = (r: Row): OutboxJob => ({
  id: r.id,
  kind: r.kind,
  sessionId: r.session_id ?? undefined,
  idempotencyKey: r.idempotency_key,
  payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
  attempts: r.attempts,
  deadAt: r.dead_at ? new Date(r.dead_at) : undefined,
  lastError: r.last_error ?? undefined,
  nextAttemptAt: r.next_attempt_at ? new Date(r.next_attempt_at) : undefined,
  generation: Number(r.generation ?? 0)
});

export class OutboxRepository {
  constructor(private readonly clock: OutboxClock) {}

  /**
   * Adds a job; a pending job with the same key is kept as it is (enqueueing twice is harmless).
   * With `rearm`, a job with that key that already ran (or was given up) runs again: for jobs
   * that read the outside world's state before acting, such as settling a payment.
   */
  async enqueue(
    db: Queryable,
    job: { kind: string; sessionId?: string; idempotencyKey: string; payload?: Record<string, unknown>; runAt?: Date; rearm?: boolean; replace?: boolean }
  ): Promise<void> {
    // `replace`: the job with that key runs again from now on with this payload and time, pending
    // or not (a repeated request: Stop pressed again, a charger gone again). Either way the job
    // becomes a new generation: a worker running the older one right now keeps its lease, but its
    // outcome no longer marks the job done, so the newer request is never lost.
    const reset = `do update set payload = excluded.payload, next_attempt_at = excluded.next_attempt_at, attempts = 0,
           done_at = null, failed_at = null, dead_at = null, last_error = null, generation = outbox.generation + 1`;
    const onConflict = job.replace
      ? reset
      : job.rearm
        ? `${reset}, locked_until = null, locked_by = null where outbox.done_at is not null or outbox.failed_at is not null`
        : 'do nothing';
    await db.query(
      `insert into outbox (kind, session_id, idempotency_key, payload, next_attempt_at, created_at)
       values ($1, $2, $3, $4, $5, $5)
       on conflict (idempotency_key) ${onConflict}`,
      [job.kind, job.sessionId ?? null, job.idempotencyKey, JSON.stringify(job.payload ?? {}), job.runAt ?? this.clock.now()]
    );
  }

  /** Takes one due job and leases it for `leaseSeconds`; null when nothing is due. */
  async claim(db: Queryable, now: Date, leaseSeconds = 60, nodeId = 'local'): Promise<OutboxJob | null> {
    const { rows } = await db.query(
      `update outbox set locked_until = $1::timestamptz + make_interval(secs => $2), locked_by = $3, attempts = attempts + 1
        where id = (
          select id from outbox
           where done_at is null and failed_at is null and next_attempt_at <= $1
             and (locked_until is null or locked_until < $1)
           order by next_attempt_at, id
           limit 1 for update skip locked)
        returning *`,
      [now, leaseSeconds, nodeId]
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /**
   * On start-up: leases this node held when it died are released, and money work it owes is made
   * due now instead of after the backoff it had reached.
   */
  async recover(db: Queryable, nodeId: string, kinds: string[]): Promise<number> {
    const { rows } = await db.query(
      `update outbox set locked_until = null, locked_by = null,
              next_attempt_at = case when kind = any($2) then least(next_attempt_at, $3::timestamptz) else next_attempt_at end
        where done_at is null and failed_at is null and (locked_by = $1 or (kind = any($2) and locked_until is null))
        returning id`,
      [nodeId, kinds, this.clock.now()]
    );
    return rows.length;
  }

  // The outcomes below apply to the generation the worker claimed. When the job was replaced
  // meanwhile, only the lease is released: the newer generation keeps its own time and state.

  async complete(db: Queryable, job: ClaimedJob): Promise<void> {
    await db.query(
      `update outbox set locked_until = null, locked_by = null,
              done_at = case when generation = $2 then $3 else done_at end,
              last_error = case when generation = $2 then null else last_error end
        where id = $1`,
      [job.id, job.generation, this.clock.now()]
    );
  }

  async retryLater(db: Queryable, job: ClaimedJob, at: Date, error: string): Promise<void> {
    await db.query(
      `update outbox set locked_until = null, locked_by = null,
              next_attempt_at = case when generation = $2 then $3 else next_attempt_at end,
              last_error = case when generation = $2 then $4 else last_error end
        where id = $1`,
      [job.id, job.generation, at, error.slice(0, 2000)]
    );
  }

  /** Gives up on a job after too many attempts; it stays visible to operators (failed_at). */
  async fail(db: Queryable, job: ClaimedJob, error: string): Promise<void> {
    await db.query(
      `update outbox set locked_until = null, locked_by = null,
              failed_at = case when generation = $2 then $4 else failed_at end,
              last_error = case when generation = $2 then $3 else last_error end
        where id = $1`,
      [job.id, job.generation, error.slice(0, 2000), this.clock.now()]
    );
  }

  /** Marks a job dead-lettered (first time) and schedules its next slow retry. */
  async deadLetter(db: Queryable, job: ClaimedJob, at: Date, error: string): Promise<void> {
    await db.query(
      `update outbox set locked_until = null, locked_by = null,
              dead_at = case when generation = $2 then coalesce(dead_at, $5) else dead_at end,
              next_attempt_at = case when generation = $2 then $3 else next_attempt_at end,
              last_error = case when generation = $2 then $4 else last_error end
        where id = $1`,
      [job.id, job.generation, at, error.slice(0, 2000), this.clock.now()]
    );
  }

  /** Jobs that keep failing, for the operator view and the alert. */
  async deadLetters(db: Queryable): Promise<OutboxJob[]> {
    const { rows } = await db.query(`select * from outbox where dead_at is not null and done_at is null order by dead_at`);
    return rows.map(fromRow);
  }

  /** Pending and dead-lettered job counts, for the metrics. */
  async depth(db: Queryable): Promise<{ pending: number; dead: number }> {
    const { rows } = await db.query(
      `select count(*) filter (where dead_at is null)::int as pending, count(*) filter (where dead_at is not null)::int as dead
         from outbox where done_at is null and failed_at is null`
    );
    return { pending: Number(rows[0]?.pending ?? 0), dead: Number(rows[0]?.dead ?? 0) };
  }

  async pending(db: Queryable, sessionId?: string): Promise<OutboxJob[]> {
    const { rows } = await db.query(
      `select * from outbox where done_at is null and failed_at is null ${sessionId ? 'and session_id = $1' : ''} order by id`,
      sessionId ? [sessionId] : []
    );
    return rows.map(fromRow);
  }
}
