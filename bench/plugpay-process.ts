/**
 * plugpay as production runs it: its own Node process running the compiled server
 * (`node --enable-source-maps dist/server/main.js`, what `npm start` runs; compiled first when
 * dist/ is missing or stale), pointed at a Vipps MobilePay sandbox in
 * a process of its own as it would be at real Vipps, on the embedded store (a fresh PGlite
 * DATA_DIR) or on a throw-away PostgreSQL database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { throwAwayDatabase } from '../tests/helpers/db.js';
import { startSandbox, type SandboxProcess } from './chaos/processes.js';
import { freePort, spawnNode, waitHealthy, type Child } from './child-process.js';
import { SANDBOX } from './load/sandbox-credentials.js';

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
  /** The Vipps MobilePay sandbox plugpay talks to: its own process, as real Vipps is remote. */
  sandboxUrl: string;
  stop(): Promise<void>;
}

/**
 * Node flags for the measured plugpay server (not the seeding boot, not the relay), from
 * BENCH_SERVER_FLAGS: for measuring V8 settings an operator would put on node's command line
 * (some, like --heap-growing-percent, are refused in NODE_OPTIONS).
 */
export function serverNodeFlags(): string[] {
  return (process.env.BENCH_SERVER_FLAGS ?? '').split(/\s+/).filter(Boolean);
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
 * The compiled server of the checkout plugpay runs from, built first if it is missing or older
 * than its sources (with that checkout's own build script). Under tsx the same server took about
 * 23 MiB more at rest (121 against 99 MiB, PostgreSQL, no chargers): a figure of tsx, not of plugpay.
 */
async function compiledServer(): Promise<string> {
  const dir = plugpayDir();
  const build = (await import(pathToFileURL(join(dir, 'scripts', 'build-server.mjs')).href)) as { buildServerIfStale(o?: { quiet?: boolean }): void };
  build.buildServerIfStale();
  return join(dir, 'dist', 'server', 'main.js');
}

/** Runs plugpay's compiled server as scripts/run-compiled.mjs does. */
function spawnPlugpay(main: string, env: Record<string, string>, nodeFlags: string[] = []): Child {
  return spawnNode(['--enable-source-maps', ...nodeFlags, main], env, plugpayDir());
}

/**
 * Starts plugpay with SIM_CHARGERS=false on a fresh store. The store is seeded first by one
 * short boot with the simulated fleet (that boot creates the demo stations and tariffs; there is
 * no public API for stations), which is then stopped.
 */
export async function startPlugpayProcess(store: Store, extraEnv: Record<string, string> = {}): Promise<PlugpayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'plugpay-bench-'));
  const database = store === 'postgres' ? await freshPostgres() : undefined;
  const port = await freePort();
  // The sandbox runs in a process of its own, as real Vipps runs elsewhere: in plugpay's process
  // its bookkeeping (every payment, written to its state file) would be measured as plugpay's.
  let sandbox: SandboxProcess | undefined;
  const cleanup = async () => {
    await sandbox?.stop().catch(() => undefined);
    await database?.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    sandbox = await startSandbox({
      port: await freePort(),
      stateFile: join(dataDir, 'vipps-sandbox.json'),
      logFile: join(dataDir, 'sandbox.log'),
      expiryMs: 10 * 60_000,
      webhookRetryBaseMs: 1000
    });
    const url = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      DATA_DIR: dataDir,
      DATABASE_URL: database?.url ?? '',
      REDIS_URL: '',
      LOG_LEVEL: 'warn',
      OCPP_METER_INTERVAL_SECONDS: '10',
      OPERATOR_TOKEN,
      PLUGPAY_SECRET: randomBytes(32).toString('base64url'),
      // The bench's phones all come from 127.0.0.1; each names its own address in
      // X-Forwarded-For, as a proxy would, so per-device limits count per phone.
      TRUSTED_PROXIES: '1',
      VIPPS_BASE_URL: sandbox.url,
      VIPPS_CLIENT_ID: SANDBOX.clientId,
      VIPPS_CLIENT_SECRET: SANDBOX.clientSecret,
      VIPPS_SUBSCRIPTION_KEY: SANDBOX.subscriptionKey,
      VIPPS_MSN: SANDBOX.merchantSerialNumber,
      SIM_CONFIG: '',
      ...extraEnv
    };
    const main = await compiledServer();
    const seed = spawnPlugpay(main, { ...env, SIM_CHARGERS: 'true' });
    try {
      await waitHealthy(`${url}/api/health`, seed);
    } finally {
      await seed.stop();
    }
    const child = spawnPlugpay(main, { ...env, SIM_CHARGERS: 'false' }, serverNodeFlags());
    try {
      await waitHealthy(`${url}/api/health`, child);
    } catch (err) {
      await child.stop();
      throw err;
    }
    const sandboxUrl = sandbox.url;
    return {
      url,
      port,
      store,
      child,
      sandboxUrl,
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
