/**
 * The embedded store on a thread of its own must be the same store as in process (results,
 * errors, transactions), and must leave the event loop free while a statement runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { batchPieceSize, openDb, type Db } from './db.js';

const open: Db[] = [];
async function store(thread: boolean): Promise<Db> {
  const db = await openDb({ dataDir: 'memory://', thread });
  open.push(db);
  await db.exec('create table t (id int primary key, at timestamptz, doc jsonb, kwh numeric(12,3))');
  return db;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

/** How many turns the event loop takes before `work` settles. */
async function turnsDuring(work: Promise<unknown>): Promise<number> {
  let settled = false;
  const done = work.finally(() => (settled = true));
  let turns = 0;
  while (!settled && turns < 10_000) {
    await new Promise<void>((r) => setImmediate(r));
    turns++;
  }
  await done;
  return turns;
}

const HEAVY = 'select count(*)::int as n from generate_series(1, 3000000) g where g % 7 = 0';

describe('PGlite on its own thread', () => {
  it('answers as PGlite in process does: rows, types and database errors', async () => {
    const [inProcess, threaded] = [await store(false), await store(true)];
    for (const db of [inProcess, threaded]) {
      await db.query('insert into t values ($1, $2, $3, $4)', [1, new Date(Date.UTC(2026, 0, 2)), { kWh: [1, 2] }, '1.250']);
    }
    const rows = async (db: Db) => (await db.query('select * from t')).rows;
    expect(await rows(threaded)).toEqual(await rows(inProcess));
    expect((await rows(threaded))[0].at).toBeInstanceOf(Date);

    const duplicate = await threaded.query('insert into t (id) values (1)').catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(Error);
    expect(duplicate).toMatchObject({ code: '23505', constraint: 't_pkey', message: expect.stringContaining('duplicate key') });
    const syntax = await threaded.query('selec 1').catch((e: unknown) => e);
    expect(syntax).toMatchObject({ code: '42601' });
    // A parameter that cannot cross to the thread fails its own statement, not the store.
    await expect(threaded.query('select $1::text', [() => 1])).rejects.toThrow();
    expect((await threaded.query<{ n: number }>('select count(*)::int as n from t')).rows).toEqual([{ n: 1 }]);
  });

  it('takes a write-behind batch whole, where PGlite in process takes it in pieces', async () => {
    expect(batchPieceSize(await store(true))).toBe(Number.POSITIVE_INFINITY);
    expect(batchPieceSize(await store(false))).toBe(5);
  });

  it('commits a transaction whole, rolls it back whole when its work throws, and is usable after', async () => {
    const db = await store(true);
    const result = await db.transaction(async (tx) => {
      await tx.query('insert into t (id) values (1)');
      await tx.query('insert into t (id) values (2)');
      return (await tx.query<{ n: number }>('select count(*)::int as n from t')).rows[0].n;
    });
    expect(result).toBe(2);

    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into t (id) values (3)');
        throw new Error('the work failed');
      })
    ).rejects.toThrow('the work failed');
    // A statement that fails inside the transaction rolls back all of it, too.
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into t (id) values (4)');
        await tx.query('insert into t (id) values (1)');
      })
    ).rejects.toMatchObject({ code: '23505' });
    expect((await db.query('select id from t order by id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('keeps statements outside a transaction from seeing it until it commits', async () => {
    const db = await store(true);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (t) => {
      await t.query('insert into t (id) values (7)');
      await held;
    });
    // Queued behind the open transaction, as PGlite queues it in process.
    const outside = db.query<{ n: number }>('select count(*)::int as n from t');
    await new Promise((r) => setTimeout(r, 50));
    release();
    await tx;
    expect((await outside).rows[0].n).toBe(1);
  });

  it('leaves the event loop turning while a long statement runs, where in process it stands still', async () => {
    const [inProcess, threaded] = [await store(false), await store(true)];
    const stillInProcess = await turnsDuring(inProcess.query(HEAVY));
    const turningThreaded = await turnsDuring(threaded.query(HEAVY));
    // In process the statement runs between two turns; on the thread the loop keeps turning.
    expect(stillInProcess).toBeLessThan(20);
    expect(turningThreaded).toBeGreaterThan(stillInProcess + 50);
  });

  it('tells once when the thread stops on its own, and fails what waits and what comes', async () => {
    const lost: Error[] = [];
    const db = await openDb({ dataDir: 'memory://', thread: true, onThreadLost: (err) => lost.push(err) });
    open.push(db);
    const waiting = db.query(HEAVY);
    // Stands in for a WebAssembly abort: the worker is gone without a close.
    await (db as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(waiting).rejects.toThrow(/exited/);
    await expect(db.query('select 1')).rejects.toThrow(/exited/);
    expect(lost).toHaveLength(1);
  });

  it('answers a statement after close with an error, not a hang, and a close is not a loss', async () => {
    const lost: Error[] = [];
    const db = await openDb({ dataDir: 'memory://', thread: true, onThreadLost: (err) => lost.push(err) });
    await db.close();
    await expect(db.query('select 1')).rejects.toThrow(/exited/);
    expect(lost).toEqual([]);
  });
});
