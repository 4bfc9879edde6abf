/**
 * The one SQL seam: PostgreSQL's dialect on either an embedded PGlite (default, a data folder)
 * or a PostgreSQL server (`DATABASE_URL`, required for more than one node).
 *
 * Only `server/store/` builds SQL. Column types avoid `bigint` so both drivers return numbers.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

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

/**
 * How many sessions (or transactions) a write-behind batch puts in one statement. The embedded
 * store runs a statement synchronously on the main thread: a batch of 50 live sessions' samples
 * held it for 15–25 ms, and every meter sample arriving meanwhile waited that long. In pieces,
 * with the event loop turning between them, no sample waits for more than one piece. PostgreSQL
 * runs statements in its own processes, so there a batch goes whole.
 */
export function batchPieceSize(db: Queryable): number {
  return (db as Partial<Db>).kind === 'pglite' ? 5 : Number.POSITIVE_INFINITY;
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
 * (`memory://` for a throw-away database in tests).
 */
export async function openDb(opts: { databaseUrl?: string; dataDir?: string }): Promise<Db> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    // A dropped idle connection must not crash the process; pg reconnects on next use.
    pool.on('error', () => undefined);
    await pool.query('select 1');
    return new PostgresDb(pool);
  }
  const dir = opts.dataDir ?? 'memory://';
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  const lite = await PGlite.create(dir.startsWith('memory://') ? dir : `${dir.replace(/\/+$/, '')}/pglite`, { startParams: pgliteStartParams() });
  return new PgliteDb(lite);
}
