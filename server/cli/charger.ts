/**
 * `npm run charger -- add|list|remove`: registers the chargers allowed to connect to /ocpp/<id>.
 *
 * Uses the same settings as plugpay (DATA_DIR, DATABASE_URL, …). When plugpay itself is running
 * on the embedded store (a live `<DATA_DIR>/plugpay.pid`), the data folder is its alone, so the
 * CLI asks the running plugpay over HTTP (`POST /api/admin/chargers` with OPERATOR_TOKEN).
 *
 * Exit codes: 0 done, 1 it failed (taken id, unreachable plugpay, …), 2 bad arguments.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chargerRegistrationSchema, registerCharger, RECOMMENDED_PASSWORD_LENGTH, UnknownStationError } from '../chargers/registration.js';
import type { Config } from '../config.js';
import { ChargerExistsError, ChargerInUseError, ChargerRepository, type ChargerRecord } from '../store/charger-repository.js';
import { openDb, type Db } from '../store/db.js';
import { migrate } from '../store/migrations.js';
import { CliFailure, runCommands, UsageError } from './commands.js';
import { isPlugpayRunning, readPidFile } from './pidfile.js';

export const USAGE = `usage:
  npm run charger -- add <chargePointId> --password <pw> [--connectors N] [--station <stationId>] [--plug "CCS"] [--max-power-w 50000]
  npm run charger -- list
  npm run charger -- remove <chargePointId>`;

export interface CliIo {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
  fetch?: typeof fetch;
}


function intOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** The running plugpay's base URL when it owns the embedded store; undefined when the CLI may open the store itself. */
function runningPlugpay(config: Config): string | undefined {
  // With PostgreSQL any number of processes may share the store.
  if (config.databaseUrl || !isPlugpayRunning(config.dataDir)) return undefined;
  return (readPidFile(config.dataDir)?.url ?? config.publicUrl ?? `http://127.0.0.1:${config.port}`).replace(/\/+$/, '');
}

function describe(c: ChargerRecord): string {
  const plugs = [...new Set(c.connectors.map((k) => `${k.plugType} ${k.maxPowerW / 1000} kW`))].join(', ');
  const state = c.online ? `online at ${c.nodeId}` : 'offline';
  const model = c.vendor ? ` ${c.vendor} ${c.model ?? ''}`.trimEnd() : '';
  return `${c.id}\t${c.connectors.length} connector(s) (${plugs || 'none'})\t${c.stationId ?? '-'}\t${state}${model}`;
}

async function add(config: Config, args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      password: { type: 'string' },
      connectors: { type: 'string' },
      station: { type: 'string' },
      plug: { type: 'string' },
      'max-power-w': { type: 'string' }
    }
  });
  if (positionals.length !== 1) throw new UsageError('add needs exactly one <chargePointId>');
  if (values.password === undefined) throw new UsageError('add needs --password');
  const input = {
    id: positionals[0],
    password: values.password,
    connectors: intOption('connectors', values.connectors),
    stationId: values.station,
    plugType: values.plug,
    maxPowerW: intOption('max-power-w', values['max-power-w'])
  };
  const parsed = chargerRegistrationSchema.safeParse(input);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  if (parsed.data.password.length < RECOMMENDED_PASSWORD_LENGTH) {
    io.err(`warning: the password is shorter than ${RECOMMENDED_PASSWORD_LENGTH} characters; a longer one is recommended`);
  }

  const base = runningPlugpay(config);
  if (base) {
    if (!config.operatorToken) throw new CliFailure('plugpay is running and owns the data folder; set OPERATOR_TOKEN so the CLI can ask it to register the charger');
    const doFetch = io.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(`${base}/api/admin/chargers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.operatorToken}` },
        body: JSON.stringify(parsed.data)
      });
    } catch (err) {
      throw new CliFailure(`plugpay is running (pid file in ${config.dataDir}) but ${base} did not answer: ${(err as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as { detail?: string; title?: string; connectors?: string[] };
    if (!res.ok) throw new CliFailure(`plugpay refused (${res.status}): ${body.detail ?? body.title ?? res.statusText}`);
    io.out(`registered ${parsed.data.id} via ${base}: connectors ${(body.connectors ?? []).join(', ')}`);
    return;
  }

  await withDb(config, async (db) => {
    try {
      const { charger } = await registerCharger(db, parsed.data);
      io.out(`registered ${charger.id}: connectors ${charger.connectors.map((c) => c.id).join(', ')}`);
    } catch (err) {
      if (err instanceof ChargerExistsError || err instanceof UnknownStationError) throw new CliFailure(err.message);
      throw err;
    }
  });
}

function needsStoppedPlugpay(config: Config, what: string): void {
  if (runningPlugpay(config)) {
    throw new CliFailure(`plugpay is running and owns the data folder ${config.dataDir}; stop it to ${what} (or use DATABASE_URL)`);
  }
}

async function list(config: Config, args: string[], io: CliIo): Promise<void> {
  if (args.length > 0) throw new UsageError(`list takes no arguments, got ${args.join(' ')}`);
  needsStoppedPlugpay(config, 'list chargers');
  await withDb(config, async (db) => {
    const chargers = await new ChargerRepository(db).list();
    if (chargers.length === 0) io.out('no chargers registered');
    for (const c of chargers) io.out(describe(c));
  });
}

async function remove(config: Config, args: string[], io: CliIo): Promise<void> {
  if (args.length !== 1 || args[0].startsWith('-')) throw new UsageError('remove needs exactly one <chargePointId>');
  needsStoppedPlugpay(config, 'remove a charger');
  await withDb(config, async (db) => {
    try {
      if (!(await new ChargerRepository(db).remove(args[0]))) throw new CliFailure(`no charger ${args[0]}`);
    } catch (err) {
      if (err instanceof ChargerInUseError) throw new CliFailure(err.message);
      throw err;
    }
    io.out(`removed ${args[0]}`);
  });
}

/** Runs the CLI; resolves with the exit code. */
export async function runChargerCli(argv: string[], io: CliIo): Promise<number> {
  return runCommands(argv, io, USAGE, { add, list, remove });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runChargerCli(process.argv.slice(2), {
    env: process.env,
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n')
  }).then((code) => {
    process.exitCode = code;
  });
}
