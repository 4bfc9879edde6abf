/**
 * The one SQL seam: PostgreSQL's dialect on either an embedded PGlite (default, a data folder)
 * or a PostgreSQL server (`DATABASE_URL`, required for more than one node).
 *
 * Only `server/store/` builds SQL. Column types avoid `bigint` so both drivers return numbers.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { ThreadData, ThreadError, ThreadReply, ThreadRequest } from './pglite-thread.js';

export type Row = Record<string, unknown>;

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface Db extends Queryable {
  /** Runs `fn` in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  readonly kind: 'pglite' | 'postgres';
}

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(private readonly pg: PGlite) {}
  async query<T extends Row>(sql: string, params: unknown[] = []) {
    const r = await this.pg.query<T>(sql, params);
    return { rows: r.rows };
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (tx) =>
      fn({ query: async <R extends Row>(sql: string, params: unknown[] = []) => ({ rows: (await tx.query<R>(sql, params)).rows }) })
    );
  }
  async exec(sql: string) {
    await this.pg.exec(sql);
  }
  async close() {
    if (!this.pg.closed) await this.pg.close();
  }
}

/**
 * PGlite on a worker thread of its own (server/store/pglite-thread.ts): the SQL runs there, and
 * this thread only sends statements and receives rows. Same dialect, order and transactions as
 * PgliteDb; the difference is that a slow statement no longer stalls the event loop.
 */
class PgliteThreadDb implements Db {
  readonly kind = 'pglite' as const;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; trace: Error }>();
  private broken?: Error;

  constructor(private readonly worker: Worker) {
    worker.on('message', (m: ThreadReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      this.idle();
      if (m.ok) w.resolve(m.value);
      else w.reject(storeError(m.error, w.trace));
    });
    const fail = (err: Error) => {
      this.broken ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', (err) => fail(new Error(`the embedded store's thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => fail(new Error(`the embedded store's thread has stopped (exit ${code})`)));
    this.idle();
  }

  /** The thread keeps the process alive only while a statement is in flight. */
  private idle() {
    if (this.waiting.size === 0) this.worker.unref();
  }

  private ask<T>(m: WithoutId<ThreadRequest>): Promise<T> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    // Made here, so that a failed statement's stack names the code that ran it.
    const trace = new Error('statement failed');
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, trace });
      this.worker.ref();
      this.worker.postMessage({ ...m, id } as ThreadRequest);
    });
  }

  async query<T extends Row>(sql: string, params: unknown[] = []) {
    return { rows: await this.ask<T[]>({ op: 'query', sql, params }) };
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const tx = await this.ask<number>({ op: 'begin' });
    let result: T;
    try {
      result = await fn({ query: async <R extends Row>(sql: string, params: unknown[] = []) => ({ rows: await this.ask<R[]>({ op: 'query', sql, params, tx }) }) });
    } catch (err) {
      await this.ask({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw err;
    }
    await this.ask({ op: 'end', tx, commit: true });
    return result;
  }

  async exec(sql: string) {
    await this.ask({ op: 'exec', sql });
  }

  async close() {
    if (!this.broken) await this.ask({ op: 'close' }).catch(() => undefined);
    this.broken ??= new Error('the embedded store is closed');
    await this.worker.terminate();
  }
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** A PostgreSQL error from the store's thread, with its code and details, and the caller's stack. */
function storeError(e: ThreadError, trace: Error): Error {
  const err = Object.assign(new Error(e.message), e);
  err.stack = `${e.name ?? 'Error'}: ${e.message}\n${(trace.stack ?? '').split('\n').slice(1).join('\n')}`;
  return err;
}

/**
 * PGlite's PostgreSQL settings. Its defaults are a server's (128 MB of shared buffers, 64 MB for
 * maintenance), held in the process's own memory; plugpay's tables are small and the operating
 * system caches the data folder's files, so a fraction does.
 */
export const PGLITE_SETTINGS = ['shared_buffers=16MB', 'maintenance_work_mem=16MB', 'temp_buffers=2MB', 'work_mem=2MB'];

function pgliteStartParams(): string[] {
  const defaults = (PGlite as unknown as { defaultStartParams: string[] }).defaultStartParams;
  return [...defaults, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])];
}

/** Worker code that loads a TypeScript module through tsx (a devDependency, present wherever sources run). */
function tsxBootstrap(moduleUrl: string): string {
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  return `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(moduleUrl)});`;
}

async function openPgliteThread(path: string): Promise<Db> {
  const data: ThreadData = { path, startParams: pgliteStartParams() };
  const here = fileURLToPath(import.meta.url);
  // Compiled (dist/), the thread's module is JavaScript. Run from source (tsx, vitest) it is
  // TypeScript: the thread first registers tsx's loader, then imports it.
  const worker = here.endsWith('.ts')
    ? new Worker(new URL(`data:text/javascript,${encodeURIComponent(tsxBootstrap(new URL('./pglite-thread.ts', import.meta.url).href))}`), { workerData: data })
    : new Worker(new URL('./pglite-thread.js', import.meta.url), { workerData: data });
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the embedded store's thread stopped while opening (exit ${code})`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (m: { ready: boolean; error?: ThreadError }) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (m.ready) resolve();
      else {
        void worker.terminate();
        reject(Object.assign(new Error(`could not open the embedded store at ${path}: ${m.error?.message}`), { code: m.error?.code }));
      }
    });
  });
  return new PgliteThreadDb(worker);
}

class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {}
  async query<T extends Row>(sql: string, params: unknown[] = []) {
    const r = await this.pool.query(sql, params);
    return { rows: r.rows as T[] };
  }
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async <R extends Row>(sql: string, params: unknown[] = []) => ({ rows: (await client.query(sql, params)).rows as R[] })
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
  async exec(sql: string) {
    await this.pool.query(sql);
  }
  async close() {
    await this.pool.end();
  }
}

// int8 (count(*), sums) arrives as a string from pg; plugpay keeps money in int4 øre, so a
// bigint here is a count and fits a JS number.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric (kWh quantities) stays a string in SQL results from pg; PGlite gives a number.
pg.types.setTypeParser(1700, (v) => Number(v));

/**
 * Opens the store: PostgreSQL when `databaseUrl` is given, else PGlite in `dataDir`
 * (`memory://` for a throw-away database in tests), on a thread of its own unless `thread` is
 * `main` (short-lived tools, where a thread buys nothing).
 */
export async function openDb(opts: { databaseUrl?: string; dataDir?: string; thread?: 'worker' | 'main' }): Promise<Db> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    // A dropped idle connection must not crash the process; pg reconnects on next use.
    pool.on('error', () => undefined);
    await pool.query('select 1');
    return new PostgresDb(pool);
  }
  const dir = opts.dataDir ?? 'memory://';
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  const path = dir.startsWith('memory://') ? dir : `${dir.replace(/\/+$/, '')}/pglite`;
  if (opts.thread === 'main') return new PgliteDb(await PGlite.create(path, { startParams: pgliteStartParams() }));
  return openPgliteThread(path);
}
