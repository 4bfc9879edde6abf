import { afterEach, describe, expect, it } from 'vitest';
import { backends, freshDb } from '../../tests/helpers/db.js';
import type { Db } from './db.js';
import { OutboxRepository } from './outbox-repository.js';

/**
 * The outbox runs on plugpay's clock alone. The database's now() is a second clock: on another
 * node, or in a test with a frozen clock, it disagrees, and money jobs must not wait for it.
 * Dates far from today on both sides make a dependence on the calendar show.
 */
describe.each(backends())('OutboxRepository on %s', (backend) => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it.each([
    ['long before today', '2001-03-04T05:06:07Z'],
    ['long after today', '2099-03-04T05:06:07Z']
  ])('makes a job due by the injected clock, %s', async (_label, iso) => {
    db = await freshDb(backend);
    let now = new Date(iso);
    const outbox = new OutboxRepository({ now: () => now });
    await outbox.enqueue(db, { kind: 'settle', sessionId: 's1', idempotencyKey: 'k-settle' });
    await outbox.enqueue(db, { kind: 'start-timeout', sessionId: 's1', idempotencyKey: 'k-timeout', runAt: new Date(now.getTime() + 60_000) });

    const first = await outbox.claim(db, now);
    expect(first?.kind).toBe('settle');
    expect(await outbox.claim(db, now)).toBeNull(); // the timer is not due yet
    await outbox.complete(db, first!);

    now = new Date(now.getTime() + 61_000);
    expect((await outbox.claim(db, now))?.kind).toBe('start-timeout');
    const { rows } = await db.query(`select created_at, done_at from outbox where idempotency_key = 'k-settle'`);
    expect(new Date(rows[0].created_at as string).toISOString()).toBe(new Date(iso).toISOString());
    expect(new Date(rows[0].done_at as string).toISOString()).toBe(new Date(iso).toISOString());
  });

  it('makes recovered money work due by the injected clock', async () => {
    db = await freshDb(backend);
    const now = new Date('2001-03-04T05:06:07Z');
    const outbox = new OutboxRepository({ now: () => now });
    await outbox.enqueue(db, { kind: 'settle', sessionId: 's1', idempotencyKey: 'k-settle', runAt: new Date('2001-03-04T06:00:00Z') });
    expect(await outbox.recover(db, 'n1', ['settle'])).toBe(1);
    expect((await outbox.claim(db, now))?.kind).toBe('settle');
  });

  it('keeps a job replaced while a worker runs it: the older run neither completes nor reschedules it', async () => {
    db = await freshDb(backend);
    const now = new Date('2001-03-04T05:06:07Z');
    const outbox = new OutboxRepository({ now: () => now });
    await outbox.enqueue(db, { kind: 'offline-check', sessionId: 's1', idempotencyKey: 'k-offline', payload: { offlineAt: 'first' } });
    const running = (await outbox.claim(db, now))!;

    // The charger goes away again while the first check runs: a new check replaces it.
    await outbox.enqueue(db, { kind: 'offline-check', sessionId: 's1', idempotencyKey: 'k-offline', payload: { offlineAt: 'second' }, runAt: now, replace: true });
    await outbox.complete(db, running);
    const again = await outbox.claim(db, now);
    expect(again?.payload).toEqual({ offlineAt: 'second' });
    expect(again!.generation).toBeGreaterThan(running.generation);

    // A run that asks to wait does not move the newer generation's time either.
    await outbox.enqueue(db, { kind: 'offline-check', sessionId: 's1', idempotencyKey: 'k-offline', payload: { offlineAt: 'third' }, runAt: now, replace: true });
    await outbox.retryLater(db, again!, new Date(now.getTime() + 3_600_000), 'waiting');
    expect((await outbox.claim(db, now))?.payload).toEqual({ offlineAt: 'third' });
  });
});
