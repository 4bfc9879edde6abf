/**
 * The one SQL seam: PostgreSQL's dialect on either an embedded PGlite (default, a data folder)
 * or a PostgreSQL server (`DATABASE_URL`, required for more than one node).
 *
 * Only `server/store/` builds SQL. Column types avoid `bigint` so both drivers return numbers.
 */
import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { ErrorData, Ready, Reply, Request, ThreadData } from './pglite-thread.js';

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
  /** True when statements run on this thread (PGlite in process), holding up everything else while they do. */
  readonly onMainThread?: boolean;
}

/**
 * How many sessions (or transactions) a write-behind batch puts in one statement. The embedded
 * store runs a statement synchronously on the thread that runs it: a batch of 50 live sessions'
 * samples held it for 15–25 ms. When that is the main thread (PGlite in process: tools and tests),
 * every meter sample arriving meanwhile waited that long; in pieces, with the event loop turning
 * between them, none waits for more than one. PostgreSQL runs statements in its own processes, and
 * plugpay's server runs PGlite on a thread of its own, so there a batch goes whole.
 */
export function batchPieceSize(db: Queryable): number {
  return (db as Partial<Db>).onMainThread ? 5 : Number.POSITIVE_INFINITY;
}

/** `items` in consecutive pieces of at most `size` (one piece when it is infinite). */
export function piecesOf<T>(items: T[], size: number): T[][] {
  const pieces: T[][] = [];
  for (let i = 0; i < items.length; i += size) pieces.push(items.slice(i, i + size));
  return pieces;
}

/** Runs `write` on each piece in turn, letting the event loop handle what came in (a meter sample, a phone) between two. */
export async function eachInTurn<T>(pieces: T[], write: (piece: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < pieces.length; i++) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    await write(pieces[i]);
  }
}

/** Runs `write` on `items` in pieces of at most `size`, the event loop turning between two. */
export function inPieces<T>(items: T[], size: number, write: (piece: T[]) => Promise<void>): Promise<void> {
  return eachInTurn(piecesOf(items, size), write);
}

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  readonly onMainThread = true;
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

/** A request before it is numbered (Omit over each member of the union, not over their common keys). */
type Unnumbered<R> = R extends { id: number } ? Omit<R, 'id'> : never;

/** A database error rebuilt from its fields, so `err.code` (SQLSTATE) reads as it does in process. */
function rebuiltError(data: ErrorData): Error {
  const { message, stack: _stack, ...fields } = data;
  return Object.assign(new Error(message), fields);
}

/**
 * PGlite on a worker thread of its own (server/store/pglite-thread.ts): the same store and the
 * same SQL, but a statement's WebAssembly runs beside the event loop instead of on it.
 */
class PgliteThreadDb implements Db {
  readonly kind = 'pglite' as const;
  readonly onMainThread = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply & { ok: true }) => void; reject: (e: Error) => void }>();
  private gone: Error | undefined;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    onLost: (err: Error) => void
  ) {
    worker.on('message', (r: Reply) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (r.ok) w.resolve(r);
      else w.reject(rebuiltError(r.error));
    });
    const fail = (err: Error) => {
      const first = !this.gone;
      this.gone ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
      if (first && !this.closing) onLost(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the embedded store's thread exited (code ${code})`)));
  }

  static async start(data: ThreadData, onLost: (err: Error) => void): Promise<PgliteThreadDb> {
    // From the TypeScript sources (tests, `npm run dev`) the worker needs tsx to load its file;
    // the compiled server (dist/) runs the .js beside this one with plain node.
    const fromSource = import.meta.url.endsWith('.ts');
    const file = new URL(fromSource ? './pglite-thread.ts' : './pglite-thread.js', import.meta.url);
    const worker = fromSource
      ? new Worker(`import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(file.href)}, ${JSON.stringify(file.href)}))`, { eval: true, workerData: data })
      : new Worker(file, { workerData: data });
    const ready = await new Promise<Ready>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the embedded store's thread exited while starting (code ${code})`)));
    });
    if (!ready.ready) {
      await worker.terminate();
      throw rebuiltError(ready.error);
    }
    return new PgliteThreadDb(worker, onLost);
  }

  private send(req: Unnumbered<Request>): Promise<Reply & { ok: true }> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ ...req, id });
      } catch (err) {
        // A parameter that cannot cross threads (a function, say): this statement fails, nothing else.
        this.waiting.delete(id);
        reject(err as Error);
      }
    });
  }

  async query<T extends Row>(sql: string, params: unknown[] = []) {
    const r = await this.send({ op: 'query', sql, params });
    return { rows: r.rows as T[] };
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const { tx } = await this.send({ op: 'begin' });
    let result: T;
    try {
      result = await fn({
        query: async <R extends Row>(sql: string, params: unknown[] = []) => ({ rows: (await this.send({ op: 'query', sql, params, tx })).rows as R[] })
      });
    } catch (err) {
      await this.send({ op: 'end', tx: tx!, commit: false }).catch(() => undefined);
      throw err;
    }
    await this.send({ op: 'end', tx: tx!, commit: true });
    return result;
  }

  async exec(sql: string) {
    await this.send({ op: 'exec', sql });
  }

  async close() {
    if (this.gone) return;
    this.closing = true;
    await this.send({ op: 'close' });
    await this.worker.terminate();
  }
}

/**
 * PGlite's PostgreSQL settings. Its defaults are a server's (128 MB of shared buffers, 64 MB for
 * maintenance), held in the process's own memory; plugpay's tables are small and the operating
 * system caches the data folder's files, so a fraction does (docs/decisions/022).
 */
export const PGLITE_SETTINGS = ['shared_buffers=16MB', 'maintenance_work_mem=16MB', 'temp_buffers=2MB', 'work_mem=2MB'];

function pgliteStartParams(): string[] {
  const defaults = (PGlite as unknown as { defaultStartParams: string[] }).defaultStartParams;
  return [...defaults, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])];
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
 * (`memory://` for a throw-away database in tests). With `thread`, PGlite runs on a worker thread
 * of its own (the server does that); without, in process (short-lived tools, most tests). Should
 * that thread ever stop on its own, every statement waiting or to come fails, and `onThreadLost`
 * is told once.
 */
export async function openDb(opts: { databaseUrl?: string; dataDir?: string; thread?: boolean; onThreadLost?: (err: Error) => void }): Promise<Db> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    // A dropped idle connection must not crash the process; pg reconnects on next use.
    pool.on('error', () => undefined);
    await pool.query('select 1');
    return new PostgresDb(pool);
  }
  const dir = opts.dataDir ?? 'memory://';
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  const where = dir.startsWith('memory://') ? dir : `${dir.replace(/\/+$/, '')}/pglite`;
  if (opts.thread) return PgliteThreadDb.start({ dataDir: where, startParams: pgliteStartParams() }, opts.onThreadLost ?? (() => undefined));
  const lite = await PGlite.create(where, { startParams: pgliteStartParams() });
  return new PgliteDb(lite);
}
