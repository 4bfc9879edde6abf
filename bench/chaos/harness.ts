/**
 * The chaos run: plugpay as a child process pointed at a separate, long-lived Vipps sandbox
 * process, our own OCPP chargers, and drivers, with faults injected while they work; then the
 * faults stop, everything settles, and every session is checked against the sandbox's records
 * and the chargers' ledgers (verify.ts).
 *
 * It reaches plugpay only through what an operator or a driver has: environment variables,
 * process signals, the HTTP API, OCPP, and the sandbox's HTTP API, so it keeps working while
 * plugpay's insides are rebuilt.
 */
import { throwAwayDatabase } from '../../tests/helpers/db.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionView } from '../../src/lib/shared/api.js';
import type { SandboxState } from '../../server/sim/vipps/state.js';
import { drive, retry, type DriverResult } from './driver.js';
import { driverAddress, http } from './http.js';
import { ChaosCharger, type DeliveredTransaction } from './ocpp-charger.js';
import { makePlan, vippsFaultName, type ChaosPlan, type Milestone } from './plan.js';
import { freePort, killAllChildren, PlugpayProcess, startSandbox, type SandboxProcess } from './processes.js';
import { verify, type Verdict } from './verify.js';

/** The sandbox's test credentials (README, "The sandbox's test credentials"). */
const SANDBOX_CREDENTIALS = {
  VIPPS_CLIENT_ID: 'plugpay-sandbox',
  VIPPS_CLIENT_SECRET: 'plugpay-sandbox-secret',
  VIPPS_SUBSCRIPTION_KEY: 'plugpay-sandbox-key',
  VIPPS_MSN: '123456'
};
const CHARGER_PASSWORD = 'chaos-charger-password-0123';
const RESERVE_OPTIONS_ORE = [10_000, 20_000, 35_000, 50_000];
/** Below plugpay's default minimum (100 kr), so RESERVE_MIN_ORE is lowered for the run. */
const TIGHT_RESERVE_OPTIONS_ORE = [500, 1_000, 2_000];

export interface ChaosOptions {
  seed: number;
  sessions: number;
  /** kill -9 of plugpay during the run (default: one per ten sessions, at least one) */
  kills?: number;
  store?: 'pglite' | 'postgres';
  /** With store postgres: the server to create a throw-away database on. */
  databaseUrl?: string;
  connectorsPerCharger?: number;
  meterIntervalSeconds?: number;
  startTimeoutSeconds?: number;
  /** Drivers arrive within this window (default 2.5 s per session). */
  arrivalWindowMs?: number;
  /** How long to wait for everything to settle after the faults stop (default 4 min). */
  settleTimeoutMs?: number;
  /** Keep the work folder (data, sandbox state, logs): always, never, or when the run fails. */
  keep?: 'always' | 'never' | 'on-failure';
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  sessions: number;
  store: 'pglite' | 'postgres';
  plan: ChaosPlan;
  durationMs: number;
  plugpayStarts: number;
  kills: number;
  faults: Record<string, number>;
  drivers: DriverResult[];
  verdict: Verdict;
  settled: boolean;
  settleMs: number;
  /** plugpay_outbox_jobs from /metrics after settling (undefined: not exposed) */
  outbox?: { pending: number; dead: number };
  /** Failures of the harness or of plugpay's process (did not start, did not come back). */
  errors: string[];
  /** Things seen that are not money errors: drivers turned away, late starts. */
  notes: string[];
  tolerance: string;
  workDir: string;
  kept: boolean;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const t0 = Date.now();
  const log = o.log ?? (() => undefined);
  const store = o.store ?? 'pglite';
  const kills = o.kills ?? Math.max(1, Math.round(o.sessions / 10));
  const meterIntervalSeconds = o.meterIntervalSeconds ?? 2;
  const startTimeoutSeconds = o.startTimeoutSeconds ?? 20;
  const plan = makePlan({
    seed: o.seed,
    sessions: o.sessions,
    kills,
    connectorsPerCharger: o.connectorsPerCharger ?? 4,
    arrivalWindowMs: o.arrivalWindowMs ?? o.sessions * 2_500,
    reserveOptionsOre: RESERVE_OPTIONS_ORE,
    tightReserveOptionsOre: TIGHT_RESERVE_OPTIONS_ORE
  });
  const work = mkdtempSync(join(tmpdir(), `plugpay-chaos-${o.seed}-`));
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const errors: string[] = [];
  const notes: string[] = [];
  const faults: Record<string, number> = {};
  const count = (name: string, n = 1) => (faults[name] = (faults[name] ?? 0) + n);
  log(`work folder ${work}`);

  let sandbox: SandboxProcess | undefined;
  let plugpay: PlugpayProcess | undefined;
  let database: { url?: string; drop(): Promise<void> } = { drop: async () => undefined };
  const chargers: ChaosCharger[] = [];
  const drivers: DriverResult[] = [];
  let verdict: Verdict = { checks: [], problems: [], orphanPayments: 0, totals: { authorizedOre: 0, capturedOre: 0, expectedOre: 0, costOre: 0, exact: 0, priced: 0 } };
  let settled = false;
  let settleMs = 0;
  let ok = false;
  let kept = false;
  let killCount = 0;
  let outbox: { pending: number; dead: number } | undefined;

  try {
    if (store === 'postgres') database = await throwAwayDatabase(o.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'plugpay_chaos');

    // --- the Vipps sandbox: its own process, its own port, its state in a file
    sandbox = await startSandbox({
      port: await freePort(),
      stateFile: join(work, 'vipps-sandbox.json'),
      logFile: join(work, 'sandbox.log'),
      // Unapproved payments expire within the run, so abandoned sessions end too.
      expiryMs: 45_000,
      webhookRetryBaseMs: 500
    });
    log(`Vipps sandbox at ${sandbox.url}`);

    // --- plugpay, pointed at it as at real Vipps
    const port = await freePort();
    const operatorToken = randomBytes(18).toString('base64url');
    plugpay = new PlugpayProcess({
      port,
      logFile: join(work, 'plugpay.log'),
      startTimeoutMs: 180_000,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        NODE_ID: 'chaos-node',
        LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'info',
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        DATABASE_URL: database.url ?? '',
        REDIS_URL: '',
        VIPPS_BASE_URL: sandbox.url,
        ...SANDBOX_CREDENTIALS,
        // Real-Vipps mode requires both (server/config.ts); the secret must survive restarts.
        OPERATOR_TOKEN: operatorToken,
        PLUGPAY_SECRET: randomBytes(32).toString('base64url'),
        SIM_CHARGERS: 'false',
        SIM_CONFIG: '',
        OCPP_METER_INTERVAL_SECONDS: String(meterIntervalSeconds),
        OCPP_START_TIMEOUT_SECONDS: String(startTimeoutSeconds),
        RESERVE_MIN_ORE: String(Math.min(...TIGHT_RESERVE_OPTIONS_ORE))
      }
    });
    const pp = plugpay;

    // --- stations and tariffs exist only through demo seeding (no API creates them): one start
    // with SIM_CHARGERS=true seeds them, then our chargers are registered through the admin API.
    await pp.start({ SIM_CHARGERS: 'true' });
    const stations = await http('GET', `${pp.url}/api/operator/stations`, { bearer: operatorToken });
    const stationIds = ((stations.json ?? []) as Array<{ id: string }>).map((s) => s.id);
    if (stations.status !== 200 || stationIds.length === 0) throw new Error(`no stations to put chargers at (GET /api/operator/stations: ${stations.status})`);
    const connectorIds = new Map<string, string[]>();
    for (const c of plan.chargers) {
      const r = await http('POST', `${pp.url}/api/admin/chargers`, {
        bearer: operatorToken,
        body: { id: c.id, password: CHARGER_PASSWORD, connectors: c.connectors, stationId: stationIds[c.index % stationIds.length], plugType: 'CCS', maxPowerW: 150_000 }
      });
      if (r.status !== 201) throw new Error(`registering ${c.id} failed: ${r.status} ${r.text}`);
      connectorIds.set(c.id, (r.json as { connectors: string[] }).connectors);
    }
    await pp.stop();
    await pp.start();
    log(`plugpay at ${pp.url} (${store}), ${plan.chargers.length} chargers, ${plan.sessions.length} sessions, ${kills} kills planned`);

    // --- our chargers
    for (const c of plan.chargers) {
      const ch = new ChaosCharger({ id: c.id, password: CHARGER_PASSWORD, url: `ws://127.0.0.1:${port}/ocpp`, connectors: c.connectors, clockSkewMs: c.clockSkewMs, log });
      for (const s of plan.sessions.filter((x) => x.chargerIndex === c.index)) ch.setPlan(s.connectorNo, s.charger);
      chargers.push(ch);
      if (c.clockSkewMs !== 0) count('charger clock skew');
    }
    await Promise.all(chargers.map((c) => c.start(120_000)));

    // --- kill -9, one at a time, each followed by a restart on the same port and data
    let chain: Promise<void> = Promise.resolve();
    const killAndRestart = (downMs: number, why: string) => {
      chain = chain.then(async () => {
        if (!pp.running) return;
        log(`kill -9 plugpay (${why})`);
        await pp.kill();
        killCount++;
        await sleep(downMs);
        for (let attempt = 1; ; attempt++) {
          try {
            await pp.start();
            return;
          } catch (err) {
            errors.push(`plugpay did not come back after kill -9 (${why}), attempt ${attempt}: ${(err as Error).message}`);
            if (attempt >= 3) throw err;
          }
        }
      });
      return chain;
    };
    const pendingKills = plan.kills.map((k) => ({ ...k, fired: false }));
    const timers = new Set<Promise<unknown>>();
    const onMilestone = (session: number, m: Milestone) => {
      for (const k of pendingKills) {
        if (k.fired || k.session !== session || (k.milestone !== m && m !== 'done')) continue;
        k.fired = true;
        const p = sleep(k.delayMs).then(() => killAndRestart(k.downMs, `session #${session} ${k.milestone === m ? m : `done (planned at ${k.milestone})`} +${k.delayMs} ms`));
        timers.add(p.catch(() => undefined));
      }
    };

    // --- drivers and timed faults, side by side
    let driversDone = false;
    const offlineSpells: Promise<void>[] = [];
    const runFaults = async () => {
      const start = Date.now();
      for (const f of plan.faults) {
        while (!driversDone && Date.now() < start + f.atMs) await sleep(Math.min(250, start + f.atMs - Date.now()));
        if (driversDone) return;
        if (f.type === 'offline') {
          const ch = chargers[f.chargerIndex];
          if (!ch.online) continue;
          count('charger offline spell');
          log(`${ch.id} offline for ${f.durationMs} ms`);
          offlineSpells.push(
            ch.goOffline().then(async () => {
              await sleep(f.durationMs);
              ch.comeOnline();
            })
          );
        } else {
          const r = await http('POST', `${sandbox!.url}/_sandbox/faults`, { body: f.fault }).catch((err: Error) => ({ status: 0, text: err.message }));
          if (r.status === 201) count(vippsFaultName(f.fault));
          else errors.push(`could not inject ${vippsFaultName(f.fault)}: ${r.status} ${r.text}`);
        }
      }
    };
    const faultLoop = runFaults();
    const results = await Promise.all(
      plan.sessions.map((s) => {
        const ch = chargers[s.chargerIndex];
        return drive({
          plan: s,
          charger: ch,
          connectorId: connectorIds.get(ch.id)![s.connectorNo - 1],
          baseUrl: pp.url,
          address: driverAddress(s.index),
          milestone: (m) => onMilestone(s.index, m),
          log,
          startTimeoutMs: startTimeoutSeconds * 1000
        });
      })
    );
    drivers.push(...results);
    driversDone = true;
    await faultLoop;
    await Promise.all([...timers]);
    await chain.catch(() => undefined);
    log(`drivers done after ${Math.round((Date.now() - t0) / 1000)} s; settling`);

    // --- settle: faults off, chargers back, plugpay up; then wait for a quiet, final state
    const settleStart = Date.now();
    await retry(30_000, async () => ((await http('DELETE', `${sandbox!.url}/_sandbox/faults`)).status === 204 ? true : undefined));
    await Promise.all(offlineSpells);
    for (const ch of chargers) ch.comeOnline();
    if (!pp.running) await pp.start();
    await Promise.all(chargers.map((c) => c.whenOnline(120_000).catch((err: Error) => errors.push(err.message))));
    const settleBy = settleStart + (o.settleTimeoutMs ?? 240_000);
    let views = new Map<string, SessionView | undefined>();
    let state: SandboxState | undefined;
    for (;;) {
      // A start that reached a charger after its driver left (a late RemoteStart): the car is not
      // there any more, so the transaction ends at once. It is still checked like any other.
      for (const d of drivers) {
        const ch = chargers[d.plan.chargerIndex];
        if (ch.unplug(d.plan.connectorNo)) notes.push(`session #${d.plan.index} ${d.connectorId}: a transaction started after its driver had left`);
      }
      views = await readViews(pp.url, drivers);
      state = readSandbox(sandbox.stateFile);
      const quiet = isQuiet(drivers, views, state, chargers);
      if (quiet === true) {
        // Quiet once; look again a little later, so late work (a retried capture) shows up too.
        await sleep(5_000);
        views = await readViews(pp.url, drivers);
        state = readSandbox(sandbox.stateFile);
        if (isQuiet(drivers, views, state, chargers) === true) {
          settled = true;
          break;
        }
      }
      if (Date.now() > settleBy) {
        errors.push(`did not settle within ${Math.round((o.settleTimeoutMs ?? 240_000) / 1000)} s: ${quiet}`);
        break;
      }
      await sleep(2_000);
    }
    // The outbox, as Prometheus sees it: dead-lettered jobs are money work given up on. Pending
    // jobs may be timers due later (offline checks, stop deadlines) that end as no-ops, so they
    // are waited for briefly and reported, not counted as wrong.
    outbox = await retry(30_000, async () => {
      const o = await readOutbox(pp.url, operatorToken);
      return o && (o.pending === 0 || o.dead > 0) ? o : undefined;
    }, 2_000) ?? (await readOutbox(pp.url, operatorToken));
    if (!outbox) notes.push('the outbox is not visible (no plugpay_outbox_jobs at /metrics); settling went by its effects only');
    else {
      if (outbox.dead > 0) errors.push(`${outbox.dead} outbox jobs dead-lettered (plugpay gave up on them)`);
      if (outbox.pending > 0) notes.push(`${outbox.pending} outbox jobs still pending after settling (timers due later?)`);
    }
    settleMs = Date.now() - settleStart;

    // --- the charger faults that were really exercised, once per session (plugpay retries)
    for (const [i, ch] of chargers.entries()) {
      const exercised = new Set<string>();
      for (const c of ch.commands) {
        const s = plan.sessions.find((x) => x.chargerIndex === i && x.connectorNo === c.connectorNo);
        if (!s) continue;
        const mode = c.action === 'RemoteStartTransaction' ? s.charger.remoteStart : s.charger.remoteStop;
        const name = c.action === 'RemoteStartTransaction' ? 'RemoteStart' : 'RemoteStop';
        if (mode === 'reject' && c.answer === 'Rejected') exercised.add(`${s.index}|${name} rejected`);
        if (mode === 'ignore' && !c.acted) exercised.add(`${s.index}|${name} ignored`);
      }
      for (const e of exercised) count(`${e.split('|')[1]} (sessions)`);
      if (ch.offlineAtStart > 0) count('charger offline as it starts', ch.offlineAtStart);
      for (const d of ch.dropped) errors.push(`${ch.id} connector ${d.connectorNo}: gave up on ${d.action}: ${d.error}`);
    }
    for (const d of drivers) for (const n of d.notes) if (/could not reserve|driver failed|did not load/.test(n)) notes.push(`session #${d.plan.index}: ${n}`);

    const transactions = new Map<string, DeliveredTransaction[]>();
    for (const d of drivers) {
      const ch = chargers[d.plan.chargerIndex];
      transactions.set(d.connectorId, ch.transactions.filter((t) => t.connectorNo === d.plan.connectorNo));
    }
    verdict = verify({ drivers, transactions, views, sandbox: state!, meterIntervalSeconds });
    ok = errors.length === 0 && verdict.problems.length === 0 && settled;
    return report();
  } catch (err) {
    errors.push(`the run failed: ${(err as Error).stack ?? String(err)}`);
    return report();
  } finally {
    for (const c of chargers) await c.close().catch(() => undefined);
    await plugpay?.stop().catch(() => undefined);
    await sandbox?.stop().catch(() => undefined);
    killAllChildren();
    await database.drop().catch((err: Error) => errors.push(`dropping the database: ${err.message}`));
    const keep = o.keep ?? 'on-failure';
    kept = keep === 'always' || (keep === 'on-failure' && !ok);
    if (!kept) rmSync(work, { recursive: true, force: true });
  }

  function report(): ChaosReport {
    return {
      seed: o.seed,
      sessions: o.sessions,
      store,
      plan,
      durationMs: Date.now() - t0,
      plugpayStarts: plugpay?.starts ?? 0,
      kills: killCount,
      faults,
      drivers,
      verdict,
      settled,
      settleMs,
      outbox,
      errors,
      notes,
      tolerance: `|captured − min(cost of delivered, authorized)| ≤ one meter interval (${meterIntervalSeconds} s of energy at the charger's power, plus its time fee) + 2 øre rounding`,
      workDir: work,
      get kept() {
        return kept;
      },
      ok
    };
  }
}

/** Every session final, every payment resolved, no webhook or charger message in flight. */
function isQuiet(drivers: DriverResult[], views: Map<string, SessionView | undefined>, state: SandboxState, chargers: ChaosCharger[]): true | string {
  for (const d of drivers) {
    if (!d.sessionId) continue;
    const v = views.get(d.sessionId);
    if (!v) return `session ${d.sessionId} unreadable`;
    if (v.state !== 'completed' && v.state !== 'failed') return `session #${d.plan.index} ${d.sessionId} is ${v.state}`;
  }
  for (const p of Object.values(state.payments)) {
    if (p.state === 'CREATED') return `payment ${p.reference} still awaits approval`;
    if (p.state === 'AUTHORIZED' && p.captured + p.cancelled < p.authorized) return `payment ${p.reference} has ${p.authorized - p.captured - p.cancelled} øre reserved`;
  }
  if (state.pendingWebhooks.length > 0) return `${state.pendingWebhooks.length} webhook deliveries pending`;
  const busy = chargers.find((c) => c.queuedMessages > 0);
  if (busy) return `${busy.id} has ${busy.queuedMessages} messages queued`;
  return true;
}

async function readViews(baseUrl: string, drivers: DriverResult[]): Promise<Map<string, SessionView | undefined>> {
  const views = new Map<string, SessionView | undefined>();
  await Promise.all(
    drivers.map(async (d) => {
      if (!d.sessionId) return;
      const r = await http('GET', `${baseUrl}/api/sessions/${d.sessionId}`, { bearer: d.token, localAddress: driverAddress(d.plan.index) }).catch(() => undefined);
      views.set(d.sessionId, r?.status === 200 ? (r.json as SessionView) : undefined);
    })
  );
  return views;
}

/** Pending and dead-lettered outbox jobs from plugpay's Prometheus metrics, if it has them. */
async function readOutbox(baseUrl: string, operatorToken: string): Promise<{ pending: number; dead: number } | undefined> {
  const r = await http('GET', `${baseUrl}/metrics`, { bearer: operatorToken }).catch(() => undefined);
  if (r?.status !== 200) return undefined;
  const value = (state: string) => {
    const m = new RegExp(`^plugpay_outbox_jobs\\{[^}]*state="${state}"[^}]*\\} (\\d+)`, 'm').exec(r.text);
    return m ? Number(m[1]) : undefined;
  };
  const pending = value('pending');
  const dead = value('dead');
  return pending === undefined || dead === undefined ? undefined : { pending, dead };
}

function readSandbox(file: string): SandboxState {
  return JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
}
