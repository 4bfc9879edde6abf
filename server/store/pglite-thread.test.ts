import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from './db.js';

// The embedded store on its own thread (the default for the server): what callers rely on must
// survive the trip across the thread boundary.
describe('embedded store on its own thread', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb({ dataDir: 'memory://' });
    await db.exec('create table t (id text primary key, n int not null, big bigint)');
  });
  afterAll(async () => db?.close());

  it('returns rows with their types, and passes parameters', async () => {
    await db.query('insert into t (id, n, big) values ($1, $2, $3)', ['a', 7, 2 ** 40]);
    const { rows } = await db.query<{ id: string; n: number; at: Date }>("select id, n, timestamptz '2026-01-02T03:04:05Z' as at from t where id = $1", ['a']);
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toBe('a');
    expect(rows[0].n).toBe(7);
    expect(rows[0].at).toEqual(new Date('2026-01-02T03:04:05Z'));
  });

  it("hands on PostgreSQL's error code, constraint and the caller's stack", async () => {
    const err = (await db.query("insert into t (id, n) values ('a', 1)").then(
      () => undefined,
      (e: unknown) => e
    )) as Error & { code?: string; constraint?: string };
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('23505');
    expect(err.constraint).toBe('t_pkey');
    expect(err.stack).toContain('pglite-thread.test.ts');
  });

  it('rolls a failed transaction back whole and commits a good one', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("update t set n = 100 where id = 'a'");
        await tx.query("insert into t (id, n) values ('a', 1)");
      })
    ).rejects.toMatchObject({ code: '23505' });
    expect((await db.query<{ n: number }>("select n from t where id = 'a'")).rows[0].n).toBe(7);
    const value = await db.transaction(async (tx) => {
      await tx.query("update t set n = n + 1 where id = 'a'");
      return (await tx.query<{ n: number }>("select n from t where id = 'a'")).rows[0].n;
    });
    expect(value).toBe(8);
    expect((await db.query<{ n: number }>("select n from t where id = 'a'")).rows[0].n).toBe(8);
  });

  it('runs concurrent transactions one after the other: no lost update', async () => {
    await db.query("insert into t (id, n) values ('c', 0)");
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          const n = (await tx.query<{ n: number }>("select n from t where id = 'c'")).rows[0].n;
          await tx.query("update t set n = $1 where id = 'c'", [n + 1]);
        })
      )
    );
    expect((await db.query<{ n: number }>("select n from t where id = 'c'")).rows[0].n).toBe(20);
  });

  it('fails every call clearly once closed', async () => {
    const other = await openDb({ dataDir: 'memory://' });
    await other.close();
    await expect(other.query('select 1')).rejects.toThrow(/closed/);
  });

  it('keeps its data in a folder across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-thread-'));
    try {
      const first = await openDb({ dataDir: dir });
      await first.exec('create table kept (v text)');
      await first.query("insert into kept values ('still here')");
      await first.close();
      const second = await openDb({ dataDir: dir });
      expect((await second.query<{ v: string }>('select v from kept')).rows).toEqual([{ v: 'still here' }]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
