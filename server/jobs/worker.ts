/**
 * Performs outbox jobs with retries and exponential backoff, and polls payments that still wait
 * for approval. Several nodes may run a worker against one database: jobs are claimed with a
 * lease (OutboxRepository.claim), so each runs on one node at a time.
 */
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { OutboxRepository, type OutboxJob } from '../store/outbox-repository.js';
import type { Clock } from '../sessions/ports.js';

/** The longest ordinary backoff between two attempts. */
const MAX_BACKOFF_MS = 10 * 60_000;
/** How often a dead-lettered job is tried again. */
const DEAD_LETTER_RETRY_MS = 15 * 60_000;

/** A wait the error asks for: a job's RetryLater, or a provider's Retry-After (VippsError). */
function retryAfterOf(err: unknown): number | undefined {
  const ms = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Thrown by a job that must run again later, at a pace it chooses (not a failure: it is never dead-lettered). */
export class RetryLater extends Error {
  constructor(message: string, public readonly retryAfterMs: number) {
    super(message);
    this.name = 'RetryLater';
  }
}

export interface JobRunner {
  runJob(job: OutboxJob): Promise<void>;
  pollPendingPayments(): Promise<void>;
}

export interface WorkerOptions {
  db: Db;
  runner: JobRunner;
  logger: Logger;
  clock: Clock;
  /** This node's id: it marks the job leases it holds. */
  nodeId?: string;
  /** How often to look for due jobs when idle. */
  idleMs?: number;
  /** How often to poll payments awaiting approval (Vipps recommends every 2 s after the first 5 s). */
  pollMs?: number;
  maxAttempts?: number;
  baseBackoffMs?: number;
  /** Told of every attempt's outcome (metrics). */
  onOutcome?: (job: OutboxJob, outcome: 'done' | 'waiting' | 'failed' | 'dead') => void;
}

export class OutboxWorker {
  private readonly outbox: OutboxRepository;
  private running = false;
  private timer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private current: Promise<void> = Promise.resolve();
  private wakeRequested = false;

  constructor(private readonly opts: WorkerOptions) {
    this.outbox = new OutboxRepository(opts.clock);
  }

  /** Releases leases this node held before a crash and makes pending money work due now. */
  async recover(): Promise<void> {
    const n = await this.outbox.recover(this.opts.db, this.opts.nodeId ?? 'local', ['settle', 'receipt']);
    if (n > 0) this.opts.logger.info({ jobs: n }, 'recovered outbox jobs left from an earlier run');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
    const poll = () => {
      if (!this.running) return;
      this.opts.runner
        .pollPendingPayments()
        .catch((err) => this.opts.logger.warn({ err }, 'payment polling failed'))
        .finally(() => {
          if (this.running) this.pollTimer = setTimeout(poll, this.opts.pollMs ?? 2000);
        });
    };
    this.pollTimer = setTimeout(poll, this.opts.pollMs ?? 2000);
  }

  /** Looks for work now (after a state change wrote a job). */
  wake(): void {
    if (!this.running) return;
    this.wakeRequested = true;
    this.schedule(0);
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.current = this.current.then(() => this.drain()).then(() => undefined);
    }, ms);
  }

  /** Runs every due job, one at a time, then sleeps. */
  async drain(): Promise<number> {
    let done = 0;
    do {
      this.wakeRequested = false;
      for (;;) {
        if (!this.running && done > 0) break;
        const job = await this.outbox.claim(this.opts.db, this.opts.clock.now(), 60, this.opts.nodeId).catch((err) => {
          this.opts.logger.error({ err }, 'could not claim an outbox job');
          return null;
        });
        if (!job) break;
        await this.perform(job);
        done++;
      }
    } while (this.wakeRequested);
    if (this.running) this.schedule(this.opts.idleMs ?? 500);
    return done;
  }

  private async perform(job: OutboxJob): Promise<void> {
    const log = this.opts.logger.child({ jobId: job.id, kind: job.kind, sessionId: job.sessionId, key: job.idempotencyKey });
    try {
      await this.opts.runner.runJob(job);
      await this.outbox.complete(this.opts.db, job);
      this.opts.onOutcome?.(job, 'done');
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      const paced = retryAfterOf(err);
      const now = this.opts.clock.now().getTime();
      if (err instanceof RetryLater) {
        // The job chose its own pace (waiting for a charger, a stop to take effect): not a failure.
        log.debug({ attempts: job.attempts, retryInMs: err.retryAfterMs, why: message }, 'outbox job waits');
        await this.outbox.retryLater(this.opts.db, job, new Date(now + err.retryAfterMs), message).catch(() => undefined);
        this.opts.onOutcome?.(job, 'waiting');
        return;
      }
      const backoff = Math.min((this.opts.baseBackoffMs ?? 1000) * 2 ** Math.min(job.attempts - 1, 20), MAX_BACKOFF_MS);
      // A provider's Retry-After is a floor: retrying sooner only earns another refusal.
      const delay = Math.max(backoff, paced ?? 0);
      if (job.attempts >= (this.opts.maxAttempts ?? 25)) {
        // Dead letter: an operator must look (the alert, the metric, the operator view), but the
        // job is never given up, since a reservation left open is money held from a driver. It
        // keeps being retried, slowly.
        if (!job.deadAt) log.error({ err, attempts: job.attempts, alert: 'dead-letter' }, 'ALERT: outbox job keeps failing; dead-lettered, still retried every 15 minutes');
        else log.warn({ err, attempts: job.attempts }, 'dead-lettered outbox job failed again');
        await this.outbox.deadLetter(this.opts.db, job, new Date(now + Math.max(DEAD_LETTER_RETRY_MS, paced ?? 0)), message).catch(() => undefined);
        this.opts.onOutcome?.(job, 'dead');
        return;
      }
      log.warn({ err, attempts: job.attempts, retryInMs: delay }, 'outbox job failed; will retry');
      await this.outbox.retryLater(this.opts.db, job, new Date(now + delay), message).catch(() => undefined);
      this.opts.onOutcome?.(job, 'failed');
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.pollTimer);
    await this.current;
  }
}
