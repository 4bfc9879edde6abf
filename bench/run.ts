/**
 * `npm run bench`: figures, printed, never asserted.
 *  1. in process: domain transitions, OCPP ingest, HTTP, memory per idle charger;
 *  2. the meter path of issue 7: MeterValues → phone at 200 / 1,000 / 2,000 live sessions, on
 *     the embedded store and on PostgreSQL, against a bare relay (bench/meter-path.ts).
 *
 * Flags (after `npm run bench --`):
 *   --quick              one row of 200 sessions per store, shorter windows (also BENCH_QUICK=1)
 *   --only <part>        in-process | meter-path
 *   --levels 200,1000    live-session counts for the rows
 *   --stores pglite,postgres
 *   --window <s>         measured seconds per row (default 20)
 *   --settle <s>         steady state before each window (default 10)
 *   --idle <n>           idle chargers added for the memory figure (default 1000; 8000 measures
 *                        10,000 directly, slowly: plugpay verifies a scrypt hash per connect)
 *   --stops <n>          sessions stopped and timed to settled (default 5)
 *   --open-concurrency <n>  sessions opened in parallel while ramping (default 24)
 *   --ramp-budget <s>    most seconds one server's ramps may take, all rows together (default 360;
 *                        a row then runs at the sessions reached, and says so)
 * BENCH_PLUGPAY_DIR runs plugpay from another checkout (with its node_modules).
 * BENCH_PIN=0:1 runs the load generator on CPU 0 and each measured server on CPU 1 (bench/child-process.ts).
 * BENCH_CPU_PROF=<dir> makes each plugpay server write a V8 CPU profile there when it exits.
 */
import { parseArgs } from 'node:util';
import { runInProcessBenchmarks } from './in-process.js';
import { pinLoadGenerator } from './child-process.js';
import { formatMeterPath, runMeterPath, type MeterPathOptions } from './meter-path.js';
import type { Store } from './plugpay-process.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    only: { type: 'string' },
    levels: { type: 'string' },
    stores: { type: 'string' },
    window: { type: 'string' },
    settle: { type: 'string' },
    idle: { type: 'string' },
    stops: { type: 'string' },
    'ramp-budget': { type: 'string' },
    'open-concurrency': { type: 'string' }
  }
});

function numbers(s: string | undefined, fallback: number[]): number[] {
  if (!s) return fallback;
  const list = s.split(',').map((x) => Number(x.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`not a list of positive integers: ${s}`);
  return list.sort((a, b) => a - b);
}

function seconds(s: string | undefined, fallback: number): number {
  const n = s === undefined ? fallback : Number(s);
  if (!(n > 0)) throw new Error(`not a number of seconds: ${s}`);
  return n * 1000;
}

async function main() {
  const quick = values.quick;
  if (values.only && !['in-process', 'meter-path'].includes(values.only)) throw new Error(`--only takes in-process or meter-path, not ${values.only}`);
  if (values.only !== 'meter-path') {
    console.log('In process (one Node process, PGlite in memory; DATABASE_URL: PostgreSQL)');
    await runInProcessBenchmarks();
    console.log('');
  }
  if (values.only === 'in-process') return;
  const stores = (values.stores ?? 'pglite,postgres').split(',').map((s) => s.trim()) as Store[];
  for (const s of stores) if (s !== 'pglite' && s !== 'postgres') throw new Error(`unknown store ${s}: pglite or postgres`);
  const opts: MeterPathOptions = {
    levels: numbers(values.levels, quick ? [200] : [200, 1000, 2000]),
    stores,
    intervalMs: 10_000,
    settleMs: seconds(values.settle, 10),
    windowMs: seconds(values.window, 20),
    stopSamples: Number(values.stops ?? 5),
    idleChargers: Number(values.idle ?? (quick ? 0 : 1000)),
    rampBudgetMs: seconds(values['ramp-budget'], quick ? 120 : 360),
    openConcurrency: values['open-concurrency'] ? Number(values['open-concurrency']) : undefined,
    log: (m) => console.log(m)
  };
  const pinned = pinLoadGenerator();
  if (pinned) console.log(`pinned: ${pinned}`);
  const report = await runMeterPath(opts);
  console.log('');
  console.log(formatMeterPath(report));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  }
);
