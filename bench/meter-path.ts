/**
 * The meter path of issue 7: a charger's MeterValues → plugpay → the driver's phone, at a few
 * hundred to a few thousand live sessions, on the embedded store and on PostgreSQL, next to a
 * bare relay measured in the same run on the same sockets. Also: stop → settled for a handful
 * of sessions, and the resident set of each server holding the chargers and phones.
 *
 * plugpay and the relay each run as a child process; the load (chargers and phones) runs here,
 * so one clock times both ends of every sample.
 */
import { randomBytes } from 'node:crypto';
import { spawnTsx, freePort, waitHealthy, type Child } from './child-process.js';
import { MeterLoad, type StopSettled } from './load/meter-load.js';
import { percentile, type LatencySummary } from './load/samples.js';
import { PlugpayTarget, RelayTarget } from './load/targets.js';
import { OPERATOR_TOKEN, postgresUnavailable, ROOT, startPlugpayProcess, type Store } from './plugpay-process.js';

export interface MeterPathOptions {
  /** Live-session counts, smallest first: each row grows the same load further. */
  levels: number[];
  stores: Store[];
  /** One MeterValues per session per interval (plugpay is started with the same interval). */
  intervalMs: number;
  /** Steady state before a window opens, after the ramp. */
  settleMs: number;
  windowMs: number;
  /** How many sessions to stop and time at the end of each plugpay run. */
  stopSamples: number;
  /** Idle chargers added after the last row, for the memory figure (0: none). */
  idleChargers: number;
  /** Most time one server's ramp may take over all its rows; a row then runs at what was reached. */
  rampBudgetMs: number;
  /** Sessions opened in parallel during the ramp (default 24). */
  openConcurrency?: number;
  log: (msg: string) => void;
}

export interface Resources {
  rssMiB: number;
  /** CPU used by the server process during the window, in percent of one core. */
  cpuPercent: number;
}

export interface LevelResult {
  /** The row's intended live sessions, and how many were live when it was measured. */
  level: number;
  sessions: number;
  latency: LatencySummary;
  resources: Resources;
  openFailures: number;
  firstFailure?: string;
  phoneDrops: number;
}

export interface MemoryResult {
  chargers: number;
  phones: number;
  rssMiB: number;
  /** Resident set added per idle connected charger, from the idle step. */
  perIdleKiB?: number;
  /** Where the resident set goes, from the server's /metrics (plugpay only). */
  parts?: MemoryParts;
}

export interface MemoryParts {
  heapUsedMiB: number;
  heapTotalMiB: number;
  /** Memory outside the JS heap that V8 knows of: buffers, and the embedded store's WebAssembly memory. */
  externalMiB: number;
}

/** The JS heap and external memory, from plugpay's Prometheus metrics (undefined for the relay or on failure). */
async function memoryParts(metricsUrl: string | undefined): Promise<MemoryParts | undefined> {
  if (!metricsUrl) return undefined;
  try {
    const r = await fetch(metricsUrl, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` }, signal: AbortSignal.timeout(10_000) });
    const text = await r.text();
    const read = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]) / 1024 / 1024;
    const parts = { heapUsedMiB: read('nodejs_heap_size_used_bytes'), heapTotalMiB: read('nodejs_heap_size_total_bytes'), externalMiB: read('nodejs_external_memory_bytes') };
    return Object.values(parts).every(Number.isFinite) ? parts : undefined;
  } catch {
    return undefined;
  }
}

export interface ServerRun {
  levels: LevelResult[];
  memory: MemoryResult[];
  warnings: number;
  /** Where the ramp's time went. */
  setup?: string;
  /** The first row the ramp budget did not reach, and where it stopped. */
  unreached?: { level: number; sessions: number };
  /** The most frequent warning messages, with counts. */
  topWarnings?: Array<[string, number]>;
  error?: string;
}

export interface MeterPathReport {
  options: MeterPathOptions;
  relay: ServerRun;
  stores: Partial<Record<Store, ServerRun & { stopSettled: StopSettled[] }>>;
  absent: string[];
  seconds: number;
}

/**
 * The four demo stations the seed boot creates; the chargers are spread over them in turn (the
 * operator map refreshes a station at most twice a second, so how they are spread matters).
 */
const DEMO_STATIONS = ['oslo-aker-brygge', 'oslo-gronland', 'bergen-bryggen', 'trondheim-solsiden'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The median of a few readings half a second apart: one reading may fall just before a GC. */
async function steadyRss(child: Child): Promise<number> {
  const r: number[] = [];
  for (let i = 0; i < 5; i++) {
    r.push(child.rssMiB());
    await sleep(500);
  }
  return r.sort((a, b) => a - b)[2];
}

async function runLevels(load: MeterLoad, child: Child, opts: MeterPathOptions, run: ServerRun): Promise<void> {
  // The budget counts ramping only, not the settles and windows between rows.
  let ramped = 0;
  for (const level of opts.levels) {
    const before = run.levels.at(-1)?.sessions ?? 0;
    const t = performance.now();
    const reached = await load.growTo(level, t + opts.rampBudgetMs - ramped);
    ramped += performance.now() - t;
    if (!reached) {
      opts.log(`  ramp budget (${opts.rampBudgetMs / 1000} s) spent at ${load.size} sessions`);
      // Nothing new to measure when the ramp got no further than the row before.
      if (load.size <= before) {
        run.unreached = { level, sessions: load.size };
        break;
      }
    }
    await sleep(opts.settleMs);
    const cpu0 = child.cpuSeconds();
    const t0 = performance.now();
    const latency = await load.measure(opts.windowMs);
    const cpuPercent = ((child.cpuSeconds() - cpu0) / ((performance.now() - t0) / 1000)) * 100;
    const result: LevelResult = {
      level,
      sessions: load.size,
      latency,
      resources: { rssMiB: child.rssMiB(), cpuPercent },
      openFailures: load.failures,
      firstFailure: load.firstFailure,
      phoneDrops: load.phoneDrops
    };
    run.levels.push(result);
    if (!reached) {
      run.unreached = { level, sessions: load.size };
      opts.log(`  ${level} sessions: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms at ${load.size} sessions`);
      break;
    }
    opts.log(`  ${level} sessions: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, ${latency.samples}/${latency.sent} seen, RSS ${result.resources.rssMiB.toFixed(0)} MiB, CPU ${cpuPercent.toFixed(0)} %`);
  }
}

async function memorySteps(load: MeterLoad, child: Child, opts: MeterPathOptions, run: ServerRun, metricsUrl?: string): Promise<void> {
  const phones = load.size;
  const base: MemoryResult = { chargers: load.connectedChargers, phones, rssMiB: await steadyRss(child), parts: await memoryParts(metricsUrl) };
  run.memory.push(base);
  if (opts.idleChargers <= 0) return;
  await load.addIdle(opts.idleChargers);
  await sleep(2000);
  const rss = await steadyRss(child);
  run.memory.push({ chargers: load.connectedChargers, phones, rssMiB: rss, perIdleKiB: ((rss - base.rssMiB) * 1024) / opts.idleChargers, parts: await memoryParts(metricsUrl) });
}

async function runRelay(opts: MeterPathOptions): Promise<ServerRun> {
  const run: ServerRun = { levels: [], memory: [], warnings: 0 };
  const port = await freePort();
  const child = spawnTsx('bench/bare-relay.ts', { PORT: String(port) }, ROOT);
  const load = new MeterLoad(new RelayTarget(`http://127.0.0.1:${port}`), { prefix: 'RELAY', intervalMs: opts.intervalMs, connectConcurrency: 32, log: opts.log });
  try {
    await waitHealthy(`http://127.0.0.1:${port}/health`, child);
    await runLevels(load, child, opts, run);
    await memorySteps(load, child, opts, run);
  } catch (err) {
    run.error = (err as Error).message;
  } finally {
    await load.close();
    await child.stop();
  }
  return run;
}

async function runPlugpay(store: Store, opts: MeterPathOptions, withMemory: boolean): Promise<ServerRun & { stopSettled: StopSettled[] }> {
  const run: ServerRun & { stopSettled: StopSettled[] } = { levels: [], memory: [], warnings: 0, stopSettled: [] };
  let pp: Awaited<ReturnType<typeof startPlugpayProcess>> | undefined;
  let load: MeterLoad | undefined;
  try {
    const t0 = performance.now();
    pp = await startPlugpayProcess(store, { OCPP_METER_INTERVAL_SECONDS: String(opts.intervalMs / 1000) });
    opts.log(`  plugpay up on ${pp.url} (pid ${pp.child.pid}, seeded and started in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    // fast-dc: a demo tariff with no per-minute fee, so running cost grows only with energy.
    const target = new PlugpayTarget({ url: pp.url, sandboxUrl: pp.sandboxUrl, operatorToken: OPERATOR_TOKEN, stationIds: DEMO_STATIONS });
    load = new MeterLoad(target, { prefix: `B${randomBytes(2).toString('hex')}`, intervalMs: opts.intervalMs, sessionConcurrency: opts.openConcurrency, log: opts.log });
    await runLevels(load, pp.child, opts, run);
    run.setup = load.setupSummary();
    // Memory first, while every phone is still there; the stops then run beside the idle chargers.
    if (withMemory) await memorySteps(load, pp.child, opts, run, `${pp.url}/metrics`);
    else run.memory.push({ chargers: load.connectedChargers, phones: load.size, rssMiB: await steadyRss(pp.child), parts: await memoryParts(`${pp.url}/metrics`) });
    run.stopSettled = await load.stopAndSettle(opts.stopSamples, (s, phone) => target.stop(s, phone));
  } catch (err) {
    run.error = `${(err as Error).message}${pp ? `\n    last plugpay output:\n    ${pp.child.recentOutput().slice(-5).join('\n    ')}` : ''}`;
  } finally {
    await load?.close();
    run.warnings = pp?.child.warnings ?? 0;
    run.topWarnings = [...(pp?.child.warningsByMessage ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]).slice(0, 3);
    await pp?.stop();
  }
  return run;
}

export async function runMeterPath(opts: MeterPathOptions): Promise<MeterPathReport> {
  const t0 = performance.now();
  const report: MeterPathReport = { options: opts, relay: { levels: [], memory: [], warnings: 0 }, stores: {}, absent: [], seconds: 0 };
  opts.log('meter path: bare relay');
  report.relay = await runRelay(opts);
  let first = true;
  for (const store of opts.stores) {
    if (store === 'postgres') {
      const why = await postgresUnavailable();
      if (why) {
        report.absent.push(`PostgreSQL rows absent: ${why}`);
        continue;
      }
    }
    opts.log(`meter path: plugpay on ${store}`);
    report.stores[store] = await runPlugpay(store, opts, first);
    first = false;
  }
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}

// --- printing ------------------------------------------------------------------------------

const P99_TARGET_MS = 50;
const RATIO_TARGET = 1.5;
const TARGET_SESSIONS = 2000;
const STOP_TARGET_MS = 300;
const MEMORY_TARGET_MIB = 512;
const MEMORY_CHARGERS = 10_000;
const MEMORY_PHONES = 2000;

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '—');
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const STORE_NAMES: Record<Store, string> = { pglite: 'embedded (PGlite)', postgres: 'PostgreSQL' };

/**
 * The resident set at the memory target's scale: measured when the run got there, else
 * extrapolated from the idle step (RSS per idle charger added) when the phones were all there
 * and the step was big enough to rise above GC noise.
 */
function memoryAtTarget(run: ServerRun): { mib?: number; measured: boolean; how: string } {
  const last = run.memory.at(-1);
  if (!last) return { measured: false, how: 'not measured' };
  if (last.chargers >= MEMORY_CHARGERS && last.phones >= MEMORY_PHONES) return { mib: last.rssMiB, measured: true, how: 'measured' };
  // RSS only grows with more sockets: over the target with fewer chargers is over it at 10,000.
  const over = run.memory.find((m) => m.phones >= MEMORY_PHONES && m.rssMiB >= MEMORY_TARGET_MIB);
  if (over) return { mib: over.rssMiB, measured: true, how: `already over the target with ${over.chargers.toLocaleString('en')} chargers (a lower bound)` };
  if (last.phones < MEMORY_PHONES) return { measured: false, how: `not estimated: only ${last.phones} phones were connected` };
  const idle = last.chargers - run.memory[0].chargers;
  if (last.perIdleKiB === undefined || idle < 500 || last.perIdleKiB <= 0) {
    return { measured: false, how: 'not estimated: the idle step was missing, under 500 chargers or lost in GC noise (use --idle 1000 or more)' };
  }
  return { mib: last.rssMiB + ((MEMORY_CHARGERS - last.chargers) * last.perIdleKiB) / 1024, measured: false, how: 'estimated (extrapolated from the idle step, not measured)' };
}

export function formatMeterPath(r: MeterPathReport): string {
  const out: string[] = [];
  const o = r.options;
  out.push(`Meter path (issue 7): one MeterValues per session every ${o.intervalMs / 1000} s, ${o.windowMs / 1000} s measured per row after a ${o.settleMs / 1000} s settle; loopback, this machine.`);
  out.push(`Chargers spread over the ${DEMO_STATIONS.length} demo stations; phones on Socket.IO (WebSocket transport), each its own device (X-Forwarded-For, TRUSTED_PROXIES=1); each server a child process, the load in the bench process.`);
  out.push(`Targets at ${TARGET_SESSIONS.toLocaleString('en')} sessions: p99 ≤ ${P99_TARGET_MS} ms and ≤ ${RATIO_TARGET}× the relay; no sample lost (any row).`);
  out.push('');
  const rows: string[][] = [];
  const relayAt = (n: number) => r.relay.levels.find((l) => l.level === n);
  for (const store of o.stores) {
    const run = r.stores[store];
    if (!run) continue;
    for (const l of run.levels) {
      const relay = relayAt(l.level);
      const ratio = relay ? l.latency.p99 / relay.latency.p99 : NaN;
      const lost = l.latency.lost;
      const targets: string[] = [];
      if (l.level >= TARGET_SESSIONS && l.sessions === l.level) {
        targets.push(`p99 ${verdict(l.latency.p99 <= P99_TARGET_MS)}`, `ratio ${verdict(ratio <= RATIO_TARGET)}`);
      }
      targets.push(`lost ${verdict(lost === 0 && l.latency.samples > 0)}`);
      const notes = [l.openFailures ? `${l.openFailures} sessions failed to open` : '', l.phoneDrops ? `${l.phoneDrops} phones dropped` : '', l.latency.callErrors ? `${l.latency.callErrors} MeterValues errors` : '']
        .filter(Boolean)
        .join('; ');
      rows.push([
        l.sessions === l.level ? l.sessions.toLocaleString('en') : `${l.sessions.toLocaleString('en')} (of ${l.level.toLocaleString('en')}: ramp budget spent)`,
        STORE_NAMES[store],
        `${ms(l.latency.p50)} / ${ms(l.latency.p99)} ms`,
        relay ? `${ms(relay.latency.p50)} / ${ms(relay.latency.p99)} ms${relay.sessions !== l.sessions ? ` (at ${relay.sessions.toLocaleString('en')})` : ''}` : '—',
        Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '—',
        `${lost} of ${l.latency.sent}${relay && relay.latency.lost ? ` (relay ${relay.latency.lost})` : ''}`,
        targets.join(', ') + (notes ? ` — ${notes}` : ''),
        `${l.resources.rssMiB.toFixed(0)} MiB / ${l.resources.cpuPercent.toFixed(0)} %${relay ? ` (relay ${relay.resources.rssMiB.toFixed(0)} MiB / ${relay.resources.cpuPercent.toFixed(0)} %)` : ''}`
      ]);
    }
  }
  out.push(
    table(
      ['live sessions (one MeterValues each per 10 s)', 'store', 'plugpay p50 / p99 meter → phone', 'bare relay p50/p99', 'ratio p99', 'lost', 'targets', 'server RSS / CPU in window'],
      rows
    )
  );
  for (const a of r.absent) out.push(`- ${a}`);
  if (r.relay.error) out.push(`- bare relay run failed: ${r.relay.error}`);
  for (const store of o.stores) {
    const run = r.stores[store];
    if (run?.error) out.push(`- plugpay on ${STORE_NAMES[store]} stopped early: ${run.error}`);
    const missing = o.levels.filter((n) => !run?.levels.some((l) => l.level === n));
    if (run?.unreached) {
      out.push(
        `- ${STORE_NAMES[store]}: the ramp budget (${o.rampBudgetMs / 1000} s, --ramp-budget) ran out at ${run.unreached.sessions.toLocaleString('en')} of ${run.unreached.level.toLocaleString('en')} sessions` +
          `${missing.length ? `; no row for ${missing.map((n) => n.toLocaleString('en')).join(', ')}` : ''}; targets at ${TARGET_SESSIONS.toLocaleString('en')} not judged`
      );
    } else if (run && missing.length) out.push(`- ${STORE_NAMES[store]}: no row for ${missing.join(', ')} sessions (see above)`);
    if (run?.setup) out.push(`- ${STORE_NAMES[store]} ramp: ${run.setup}`);
    if (run?.warnings) {
      const top = (run.topWarnings ?? []).map(([m, n]) => `"${m}" ×${n}`).join(', ');
      out.push(`- plugpay on ${STORE_NAMES[store]} logged ${run.warnings} warning/error lines during the run${top ? `, most often: ${top}` : ''}`);
    }
    const first = run?.levels.find((l) => l.firstFailure);
    if (first) out.push(`- first session that failed to open on ${STORE_NAMES[store]}: ${first.firstFailure}`);
  }

  out.push('');
  out.push(`Stop → settled (driver's stop request → phone shows the session completed: captured, released, receipt), target < ${STOP_TARGET_MS} ms:`);
  for (const store of o.stores) {
    const run = r.stores[store];
    if (!run) continue;
    const s = run.stopSettled;
    if (s.length === 0) {
      out.push(`  ${STORE_NAMES[store]}: not measured`);
      continue;
    }
    const done = s.filter((x) => Number.isFinite(x.ms)).map((x) => x.ms).sort((a, b) => a - b);
    const ok = done.length === s.length && s.every((x) => x.state === 'completed' && x.receipt) && done.every((x) => x < STOP_TARGET_MS);
    out.push(
      `  ${STORE_NAMES[store]}, under load of ${run.levels.at(-1)?.sessions ?? 0} sessions: ${s.map((x) => (Number.isFinite(x.ms) ? `${x.ms.toFixed(0)} ms` : x.state) + (x.state === 'completed' && !x.receipt ? ' (no receipt)' : x.state === 'failed' ? ' (failed)' : '')).join(', ')}` +
        `; p50 ${ms(percentile(done, 50))} ms, max ${ms(done.at(-1) ?? NaN)} ms — ${verdict(ok)}`
    );
  }

  out.push('');
  out.push(`Memory (resident set of the server process): target ${MEMORY_CHARGERS.toLocaleString('en')} connected chargers + ${MEMORY_PHONES.toLocaleString('en')} phones < ${MEMORY_TARGET_MIB} MiB.`);
  const memLines = (name: string, run: ServerRun | undefined) => {
    if (!run || run.memory.length === 0) return [`  ${name}: not measured`];
    const lines = run.memory.map((m) => `  ${name}: ${m.chargers.toLocaleString('en')} chargers + ${m.phones.toLocaleString('en')} phones: ${m.rssMiB.toFixed(0)} MiB${m.perIdleKiB !== undefined ? ` (${m.perIdleKiB.toFixed(1)} KiB per idle charger added)` : ''}${m.parts ? `; JS heap ${m.parts.heapUsedMiB.toFixed(0)} MiB used of ${m.parts.heapTotalMiB.toFixed(0)}, external ${m.parts.externalMiB.toFixed(0)} MiB` : ''}`);
    const e = memoryAtTarget(run);
    lines.push(`  ${name}: at ${MEMORY_CHARGERS.toLocaleString('en')} chargers + ${MEMORY_PHONES.toLocaleString('en')} phones: ${e.mib !== undefined ? `${e.mib.toFixed(0)} MiB, ` : ''}${e.how}`);
    return lines;
  };
  for (const store of o.stores) if (r.stores[store]) out.push(...memLines(`plugpay on ${STORE_NAMES[store]}`, r.stores[store]));
  out.push(...memLines('bare relay', r.relay));
  // Judged on the store that had the idle step (the first one run), else on the first one.
  const memStore = o.stores.find((s) => r.stores[s]?.memory.some((m) => m.perIdleKiB !== undefined)) ?? o.stores.find((s) => r.stores[s]);
  const ppMem = memStore ? r.stores[memStore] : undefined;
  if (ppMem) {
    const e = memoryAtTarget(ppMem);
    out.push(`  memory target (plugpay on ${STORE_NAMES[memStore!]}): ${e.mib !== undefined ? `${verdict(e.mib < MEMORY_TARGET_MIB)}${e.measured ? '' : ' (on the estimate)'}` : 'not judged'}`);
    for (const store of o.stores) {
      const other = r.stores[store];
      if (!other || store === memStore) continue;
      const f = memoryAtTarget(other);
      if (f.measured && f.mib !== undefined) out.push(`  memory target (plugpay on ${STORE_NAMES[store]}): ${verdict(f.mib < MEMORY_TARGET_MIB)} (${f.how})`);
    }
  }
  out.push('');
  out.push(`(meter path took ${Math.round(r.seconds)} s)`);
  return out.join('\n');
}
