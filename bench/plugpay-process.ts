/**
 * plugpay as production runs it: its own Node process (`node --import tsx server/main.ts`, the
 * command scripts/start.mjs runs once the PWA is built), in demo mode with the embedded Vipps
 * sandbox, on the embedded store (a fresh PGlite DATA_DIR) or on a throw-away PostgreSQL database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { throwAwayDatabase } from '../tests/helpers/db.js';
import { freePort, spawnTsx, waitHealthy, type Child } from './child-process.js';

export const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
export const OPERATOR_TOKEN = 'bench-operator-token';

export type Store = 'pglite' | 'postgres';

/**
 * Where plugpay is run from: this checkout, or BENCH_PLUGPAY_DIR (another checkout with its
 * node_modules, e.g. a `git archive` of a commit, to measure it while this tree is mid-edit).
 */
export function plugpayDir(): string {
  return process.env.BENCH_PLUGPAY_DIR ? resolve(process.env.BENCH_PLUGPAY_DIR) : ROOT;
}

export interface PlugpayProcess {
  url: string;
  port: number;
  store: Store;
  child: Child;
  stop(): Promise<void>;
}

/** The PostgreSQL server the bench uses, unless BENCH_DATABASE_URL or DATABASE_URL names another. */
export function postgresBaseUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** Why PostgreSQL rows cannot run, or undefined when the server answers. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: postgresBaseUrl(), connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('select 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${new URL(postgresBaseUrl()).host} did not answer (${(err as Error).message})`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  return throwAwayDatabase(postgresBaseUrl(), 'plugpay_bench');
}

/**
 * Starts plugpay with SIM_CHARGERS=false on a fresh store. The store is seeded first by one
 * short boot in demo mode with the simulated fleet (that boot creates the demo stations and
 * tariffs; there is no public API for stations), which is then stopped.
 */
export async function startPlugpayProcess(store: Store, extraEnv: Record<string, string> = {}): Promise<PlugpayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'plugpay-bench-'));
  const database = store === 'postgres' ? await freshPostgres() : undefined;
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: database?.url ?? '',
    REDIS_URL: '',
    LOG_LEVEL: 'warn',
    OCPP_METER_INTERVAL_SECONDS: '10',
    OPERATOR_TOKEN,
    // The bench's phones all come from 127.0.0.1; each names its own address in
    // X-Forwarded-For, as a proxy would, so per-device limits count per phone.
    TRUSTED_PROXIES: '1',
    VIPPS_BASE_URL: '',
    SIM_CONFIG: '',
    ...extraEnv
  };
  const cleanup = async () => {
    await database?.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    const seed = spawnTsx('server/main.ts', { ...env, SIM_CHARGERS: 'true' }, plugpayDir());
    try {
      await waitHealthy(`${url}/api/health`, seed);
    } finally {
      await seed.stop();
    }
    const child = spawnTsx('server/main.ts', { ...env, SIM_CHARGERS: 'false' }, plugpayDir());
    try {
      await waitHealthy(`${url}/api/health`, child);
    } catch (err) {
      await child.stop();
      throw err;
    }
    return {
      url,
      port,
      store,
      child,
      async stop() {
        await child.stop();
        await cleanup();
      }
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
