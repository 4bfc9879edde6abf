import { afterEach, describe, expect, it } from 'vitest';
import { backends, freshDb } from '../../tests/helpers/db.js';
import { insertSession, seedOneCharger } from '../../tests/helpers/session-rows.js';
import { silentLogger } from '../log.js';
import type { Db } from '../store/db.js';
import { MeterSampleWriter } from '../store/meter-sample-writer.js';
import { ChargerRepository } from '../store/charger-repository.js';
import { SessionRepository, type SessionRecord } from '../store/session-repository.js';
import { LiveSessions } from './live-sessions.js';

const t0 = new Date('2030-01-02T03:04:05Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

async function aDbWithASession(backend: 'pglite' | 'postgres'): Promise<{ db: Db; session: SessionRecord }> {
  const db = await freshDb(backend);
  await seedOneCharger(db);
  const session = await insertSession(db, 'abcdef123456', t0, { state: 'charging', transactionId: 7, meterStartWh: 0, startedAt: t0, authorizedOre: 35000 });
  return { db, session };
}

describe.each(backends())('LiveSessions on %s', (backend) => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('writes meter readings behind in one batch, and only after the flush', async () => {
    const made = await aDbWithASession(backend);
    db = made.db;
    const live = new LiveSessions(db, silentLogger, 60_000);
    live.put(made.session);
    live.meterChanged({ ...made.session, energyWh: 1200, powerW: 11000, lastMeterAt: at(60) }, { t: at(60).toISOString(), w: 11000 });
    const repo = new SessionRepository();
    expect((await repo.find(db, made.session.id))?.energyWh).toBe(0); // not yet: written behind
    expect(live.freshest((await repo.find(db, made.session.id))!).energyWh).toBe(1200); // decisions see it
    await live.flush();
    expect(await repo.find(db, made.session.id)).toMatchObject({ energyWh: 1200, powerW: 11000, lastMeterAt: at(60) });
    expect(live.get(made.session.id)?.series).toEqual([{ t: at(60).toISOString(), w: 11000 }]);
  });

  it('never overwrites a decision committed meanwhile, nor moves a reading backwards', async () => {
    const made = await aDbWithASession(backend);
    db = made.db;
    const live = new LiveSessions(db, silentLogger, 60_000);
    const repo = new SessionRepository();
    live.put(made.session);
    live.meterChanged({ ...made.session, energyWh: 900, lastMeterAt: at(30) });
    // Another writer (a node serving the driver's Stop) committed a newer reading and a state.
    const row = (await repo.find(db, made.session.id))!;
    await repo.update(db, { ...row, state: 'finalizing', energyWh: 1500, lastMeterAt: at(90), costOre: 750 }, at(90));
    await live.flush();
    expect(await repo.find(db, made.session.id)).toMatchObject({ state: 'finalizing', energyWh: 1500, lastMeterAt: at(90) });
  });

  it('runs one session\'s tasks one at a time, in order, and others alongside', async () => {
    const live = new LiveSessions({ query: async () => ({ rows: [] }) } as never, silentLogger);
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = live.serial('a', async () => {
      await gate;
      order.push('a1');
    });
    const a2 = live.serial('a', async () => {
      order.push('a2');
    });
    await live.serial('b', async () => {
      order.push('b1');
    });
    expect(order).toEqual(['b1']);
    release();
    await Promise.all([a1, a2]);
    expect(order).toEqual(['b1', 'a1', 'a2']);
    // A failing task does not stop the queue.
    await expect(live.serial('a', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(live.serial('a', async () => 'next')).resolves.toBe('next');
  });
});

describe.each(backends())('MeterSampleWriter on %s', (backend) => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('stores a batch of samples in one go and moves the last reading forward only', async () => {
    const made = await aDbWithASession(backend);
    db = made.db;
    const chargers = new ChargerRepository(db);
    const { transaction } = await chargers.startTransaction({ chargerId: 'CP1', connectorNo: 1, idTag: 'PPABCDEF123456', meterStartWh: 2 ** 31 + 10, startedAt: t0 });
    const writer = new MeterSampleWriter(db, silentLogger, 60_000);
    const row = (s: number, wh: number) => ({ sampledAt: at(s), measurand: 'Energy.Active.Import.Register', phase: '', context: 'Sample.Periodic', value: wh, unit: 'Wh' });
    writer.add(transaction.id, [row(10, 2 ** 31 + 100)], { at: at(10), energyWh: 2 ** 31 + 100, powerW: 7000 });
    writer.add(transaction.id, [row(20, 2 ** 31 + 200)], { at: at(20), energyWh: 2 ** 31 + 200 });
    writer.add(transaction.id, [row(5, 2 ** 31 + 50), row(20, 2 ** 31 + 200)], { at: at(5), energyWh: 2 ** 31 + 50 }); // late, and a repeat
    expect(await chargers.meterSamples(transaction.id)).toEqual([]);
    await writer.flush();
    expect((await chargers.meterSamples(transaction.id)).map((s) => s.value)).toEqual([2 ** 31 + 50, 2 ** 31 + 100, 2 ** 31 + 200]);
    expect(await chargers.findTransaction(transaction.id)).toMatchObject({ lastSampleAt: at(20), lastEnergyWh: 2 ** 31 + 200, lastPowerW: 7000 });
    expect(writer.stats).toMatchObject({ written: 4, dropped: 0 });
  });

  it('writes a large batch whole on PostgreSQL, and in pieces on PGlite in process with the event loop turning between them', async () => {
    // PGlite in process runs a statement on the main thread: one statement for a whole batch
    // held every meter sample behind it for 15–25 ms at 2,000 live sessions. (The server runs it
    // on a thread of its own, where batches go whole: server/store/pglite-thread.test.ts.)
    const made = await aDbWithASession(backend);
    db = made.db;
    const chargers = new ChargerRepository(db);
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push((await chargers.startTransaction({ chargerId: 'CP1', connectorNo: 1, idTag: `PPTAG${i}`, meterStartWh: 0, startedAt: at(i) })).transaction.id);
    let statements = 0;
    const counted: Db = Object.assign(Object.create(db) as Db, { query: (sql: string, params?: unknown[]) => (statements++, db!.query(sql, params)) });
    const writer = new MeterSampleWriter(counted, silentLogger, 60_000);
    for (const id of ids) writer.add(id, [{ sampledAt: at(30), measurand: 'Energy.Active.Import.Register', phase: '', context: null, value: 500 + id, unit: 'Wh' }], { at: at(30), energyWh: 500 + id });
    let turned = false;
    setImmediate(() => (turned = true));
    await writer.flush();
    expect(statements).toBe(backend === 'pglite' ? 3 : 1);
    expect(turned).toBe(true); // a sample arriving meanwhile is handled before the batch is done
    for (const id of ids) expect((await chargers.findTransaction(id))?.lastEnergyWh).toBe(500 + id);
    expect(writer.stats).toMatchObject({ written: 12, dropped: 0 });
  });
});

describe('MeterSampleWriter and a stopping transaction', () => {
  it('writes the stopping transaction\'s samples without waiting for the other sessions\' batch, but after its own samples already on their way', async () => {
    // Every statement waits until the test lets it finish, so what waits for what is plain.
    const held: Array<{ ids: number[]; release(): void }> = [];
    const store = {
      kind: 'pglite',
      onMainThread: true, // PGlite in process: batches go in pieces
      query: (_sql: string, params: unknown[] = []) =>
        new Promise<{ rows: never[] }>((resolve) => held.push({ ids: [...new Set([...(params[0] as number[]), ...(params[7] as number[])])], release: () => resolve({ rows: [] }) }))
    };
    const writer = new MeterSampleWriter(store as never, silentLogger, 60_000);
    const sample = (id: number, s: number) => writer.add(id, [{ sampledAt: at(s), measurand: 'Energy.Active.Import.Register', phase: '', context: null, value: s, unit: 'Wh' }], { at: at(s), energyWh: s });
    for (let id = 1; id <= 12; id++) sample(id, 10);
    const batch = writer.flush(); // three pieces on PGlite in process: 1–5, 6–10, 11–12
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.map((h) => h.ids)).toEqual([[1, 2, 3, 4, 5]]);

    // Transaction 40 stops: only its own statement runs, alongside the first piece.
    sample(40, 20);
    let fortyDone = false;
    const forty = writer.flushTransaction(40).then(() => (fortyDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.map((h) => h.ids)).toEqual([[1, 2, 3, 4, 5], [40]]);
    held[1].release();
    await forty;
    expect(fortyDone).toBe(true);

    // Transaction 7 stops with a newer sample buffered and an older one in the second piece,
    // not yet written: it waits for that piece as well as for its own statement.
    sample(7, 20);
    let sevenDone = false;
    const seven = writer.flushTransaction(7).then(() => (sevenDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.map((h) => h.ids).at(-1)).toEqual([7]);
    held.at(-1)!.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sevenDone).toBe(false);
    held[0].release(); // first piece
    await expect.poll(() => held.length).toBe(4);
    expect(held[3].ids).toEqual([6, 7, 8, 9, 10]);
    expect(sevenDone).toBe(false);
    held[3].release();
    await seven;
    await expect.poll(() => held.length).toBe(5);
    held[4].release();
    await batch;
    expect(writer.stats).toMatchObject({ written: 14, dropped: 0 });
  });
});
