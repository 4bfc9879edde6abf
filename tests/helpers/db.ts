/**
 * Fresh, migrated databases for tests: PGlite in memory by default; with DATABASE_URL set, a
 * throw-away database on that PostgreSQL server, dropped again on close.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDb, type Db } from '../../server/store/db.js';
import { migrate } from '../../server/store/migrations.js';

export type Backend = 'pglite' | 'postgres';

/** The backends this run covers: always PGlite, PostgreSQL too when DATABASE_URL is set. */
export function backends(): Backend[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** The backend integration tests use: PostgreSQL when DATABASE_URL is set (as on CI), else PGlite. */
export function defaultBackend(): Backend {
  return process.env.DATABASE_URL ? 'postgres' : 'pglite';
}

export async function freshDb(backend: Backend = defaultBackend(), opts: { migrate?: boolean } = {}): Promise<Db> {
  let db: Db;
  if (backend === 'pglite') {
    db = await openDb({ dataDir: 'memory://' });
  } else {
    if (!process.env.DATABASE_URL) throw new Error('postgres backend needs DATABASE_URL');
    const database = await freshDatabaseUrl();
    const inner = await openDb({ databaseUrl: database.url });
    db = Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, {
      async close() {
        await inner.close();
        await database.drop();
      }
    });
  }
  if (opts.migrate !== false) await migrate(db);
  return db;
}

/**
 * A connection string for plugpay itself to open (as DATABASE_URL would be): a throw-away
 * PostgreSQL database when DATABASE_URL is set, else undefined (plugpay then uses PGlite in memory).
 */
export async function freshDatabaseUrl(): Promise<{ url?: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) return { url: undefined, drop: async () => undefined };
  return throwAwayDatabase(base, 'plugpay_t');
}

/** Creates an empty database on the server `base` names; `drop()` removes it again. */
export async function throwAwayDatabase(base: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      try {
        await a.query(`drop database if exists ${name} with (force)`);
      } finally {
        await a.end();
      }
    }
  };
}
