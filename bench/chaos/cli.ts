/**
 * `npm run chaos -- [--seed N] [--sessions N] [--kills N] [--pg [--database-url URL]] [--keep] [--quiet]`
 *
 * Runs randomized charging sessions against plugpay (a child process, killed -9 now and then)
 * with faults injected, lets everything settle, checks every session against the Vipps
 * sandbox's records and the chargers' meters, and prints a table. Exit code 0 when nothing is
 * wrong, 1 when something is, 2 for bad arguments.
 */
import { parseArgs } from 'node:util';
import { runChaos } from './harness.js';
import { killAllChildren } from './processes.js';
import { formatReport, formatSessions } from './report.js';

function usage(message: string): never {
  console.error(`${message}\nusage: npm run chaos -- [--seed N] [--sessions N] [--kills N] [--pg [--database-url postgres://…]] [--keep] [--quiet] [--sessions-table] [--settle-seconds N]`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      seed: { type: 'string' },
      sessions: { type: 'string', default: '40' },
      kills: { type: 'string' },
      pg: { type: 'boolean', default: false },
      'database-url': { type: 'string' },
      keep: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      'sessions-table': { type: 'boolean', default: false },
      'settle-seconds': { type: 'string' }
    }
  }));
} catch (err) {
  usage((err as Error).message);
}

const int = (name: string, raw: string | undefined, min: number, max: number): number | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) usage(`--${name} must be a whole number in ${min}..${max}, got ${raw}`);
  return n;
};

const seed = int('seed', values.seed as string | undefined, 0, 2 ** 31) ?? Math.floor(Math.random() * 1_000_000);
const sessions = int('sessions', values.sessions as string, 1, 500)!;
const kills = int('kills', values.kills as string | undefined, 0, 100);
const settleSeconds = int('settle-seconds', values['settle-seconds'] as string | undefined, 10, 3600);

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAllChildren();
    process.exit(130);
  });
}

console.log(`chaos: seed ${seed}, ${sessions} sessions (rerun with --seed ${seed})`);
const report = await runChaos({
  seed,
  sessions,
  kills,
  store: values.pg ? 'postgres' : 'pglite',
  databaseUrl: values['database-url'] as string | undefined,
  settleTimeoutMs: settleSeconds ? settleSeconds * 1000 : undefined,
  keep: values.keep ? 'always' : 'on-failure',
  log: values.quiet ? undefined : (line) => console.log(`  ${new Date().toISOString().slice(11, 23)} ${line}`)
});
console.log('');
if (values['sessions-table'] || !report.ok) {
  console.log(formatSessions(report));
  console.log('');
}
console.log(formatReport(report));
process.exit(report.ok ? 0 : 1);
