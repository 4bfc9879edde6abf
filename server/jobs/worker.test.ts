import { afterEach, describe, expect, it } from 'vitest';
import { freshDb } from '../../tests/helpers/db.js';
import { silentLogger } from '../log.js';
import type { Db } from '../store/db.js';
import { OutboxRepository, type OutboxJob } from '../store/outbox-repository.js';
import { OutboxWorker, RetryLater } from './worker.js';

let db: Db | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

/** A worker on a frozen clock whose runner fails as told; `drain()` runs what is due once. */
async function aWorker(fail: (job: OutboxJob) => Error | undefined, maxAttempts = 3) {
  db = await freshDb();
  const clock = { t: new Date('2031-05-06T07:08:09Z'), now() { return this.t; } };
  const outcomes: string[] = [];
  const runs: OutboxJob[] = [];
  const worker = new OutboxWorker({
    db,
    logger: silentLogger,
    clock,
    maxAttempts,
    runner: {
      async runJob(job) {
        runs.push(job);
        const err = fail(job);
        if (err) throw err;
      },
      async pollPendingPayments() {}
    },
    onOutcome: (_job, outcome) => outcomes.push(outcome)
  });
  const outbox = new OutboxRepository(clock);
  await outbox.enqueue(db, { kind: 'settle', sessionId: 's1', idempotencyKey: 'k1' });
  const advance = (ms: number) => (clock.t = new Date(clock.t.getTime() + ms));
  return { worker, outbox, outcomes, runs, advance, db };
}

describe('OutboxWorker', () => {
  it('dead-letters a job that keeps failing but never gives it up: it is retried slowly and can still succeed', async () => {
    let broken = true;
    const { worker, outbox, outcomes, advance, db } = await aWorker(() => (broken ? new Error('Vipps is down') : undefined));
    for (let i = 0; i < 3; i++) {
      await worker.drain();
      advance(10 * 60_000);
    }
    expect(outcomes).toEqual(['failed', 'failed', 'dead']);
    const dead = await outbox.deadLetters(db);
    expect(dead).toHaveLength(1);
    expect(await outbox.depth(db)).toEqual({ pending: 0, dead: 1 });
    // Not before its slow retry…
    await worker.drain();
    expect(outcomes).toHaveLength(3);
    advance(15 * 60_000);
    broken = false;
    await worker.drain();
    expect(outcomes.at(-1)).toBe('done');
    expect(await outbox.depth(db)).toEqual({ pending: 0, dead: 0 });
  });

  it('waits at least as long as a provider\'s Retry-After', async () => {
    const { worker, outcomes, advance } = await aWorker((job) =>
      job.attempts === 1 ? Object.assign(new Error('429 Too Many Requests'), { retryAfterMs: 120_000 }) : undefined
    );
    await worker.drain();
    advance(60_000); // the ordinary backoff (1 s) has long passed
    await worker.drain();
    expect(outcomes).toEqual(['failed']);
    advance(61_000);
    await worker.drain();
    expect(outcomes).toEqual(['failed', 'done']);
  });

  it('lets a job set its own pace without counting it as a failure', async () => {
    const { worker, outcomes, advance } = await aWorker((job) =>
      job.attempts < 3 ? new RetryLater('charger away', 2000) : undefined, 2
    );
    await worker.drain();
    advance(2000);
    await worker.drain();
    advance(2000);
    await worker.drain();
    expect(outcomes).toEqual(['waiting', 'waiting', 'done']); // never dead-lettered, though past maxAttempts
  });
});
