/**
 * Runs a fleet of simulated OCPP 1.6J chargers against any Central System.
 *
 * @example
 * npm run sim:chargers -- --url ws://127.0.0.1:3000/ocpp --count 50 --password sim-secret-1 --time-scale 30
 * npm run sim:chargers -- --url ws://127.0.0.1:3000/ocpp --config server/sim/charger/fleet.example.json
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger } from '../../log.js';
import { createChargerFleet, FleetConfigError, loadFleetConfig, type SimChargerConfig } from './fleet.js';

export const USAGE = `usage: npm run sim:chargers -- --url ws://host:port/ocpp (--count N | --config file.json) [--password pw] [--time-scale N]
  --url         Central System endpoint; each charger connects to <url>/<id>
  --count       N chargers SIM-0001…, one 22 kW connector each, all with --password
  --config      a fleet file: { "chargers": [{ "id", "password", "connectors": [{ "maxPowerW", "plugType" }] }] }
  --password    password for --count chargers (OCPP security profile 1, at least 8 characters; default plugpay-sim)
  --time-scale  simulated seconds per real second (default 1)`;

export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

export type CliOptions =
  | { help: true }
  | { help: false; url: string; timeScale: number; source: { kind: 'count'; count: number; password: string } | { kind: 'config'; path: string } };

/** Parses the command line; throws CliUsageError with a message meant for the user. */
export function parseCliArgs(argv: string[]): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        count: { type: 'string' },
        config: { type: 'string' },
        password: { type: 'string' },
        'time-scale': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      },
      strict: true,
      allowPositionals: false
    }));
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  if (values.help) return { help: true };
  const url = values.url as string | undefined;
  if (!url) throw new CliUsageError('--url is required');
  if (!/^wss?:\/\/[^/\s]+/.test(url)) throw new CliUsageError(`--url must be a ws:// or wss:// URL, got ${url}`);
  const timeScaleText = (values['time-scale'] as string | undefined) ?? '1';
  const timeScale = Number(timeScaleText);
  if (!Number.isFinite(timeScale) || timeScale <= 0) throw new CliUsageError(`--time-scale must be a positive number, got ${timeScaleText}`);
  const count = values.count as string | undefined;
  const config = values.config as string | undefined;
  if (count !== undefined && config !== undefined) throw new CliUsageError('use either --count or --config, not both');
  if (config !== undefined) return { help: false, url, timeScale, source: { kind: 'config', path: config } };
  if (count === undefined) throw new CliUsageError('one of --count or --config is required');
  if (!/^\d+$/.test(count) || Number(count) < 1 || Number(count) > 9999) throw new CliUsageError(`--count must be an integer from 1 to 9999, got ${count}`);
  const password = (values.password as string | undefined) ?? 'plugpay-sim';
  if (password.length < 8 || password.length > 40) throw new CliUsageError('--password must be 8 to 40 characters long');
  return { help: false, url, timeScale, source: { kind: 'count', count: Number(count), password } };
}

/** SIM-0001 … SIM-<count>, one 22 kW Type 2 connector each. */
export function countedChargers(count: number, password: string): SimChargerConfig[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `SIM-${String(i + 1).padStart(4, '0')}`,
    password,
    connectors: [{ maxPowerW: 22_000, plugType: 'Type2' }]
  }));
}

async function main(argv: string[]): Promise<void> {
  let opts: CliOptions;
  try {
    opts = parseCliArgs(argv);
  } catch (err) {
    if (!(err instanceof CliUsageError)) throw err;
    process.stderr.write(`sim:chargers: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let chargers: SimChargerConfig[];
  if (opts.source.kind === 'config') {
    try {
      chargers = (await loadFleetConfig(opts.source.path)).chargers;
    } catch (err) {
      if (!(err instanceof FleetConfigError)) throw err;
      process.stderr.write(`sim:chargers: ${err.message}\n`);
      process.exit(2);
    }
  } else {
    chargers = countedChargers(opts.source.count, opts.source.password);
  }

  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', { app: 'sim-chargers' });
  const fleet = createChargerFleet({ url: opts.url, chargers, logger, timeScale: opts.timeScale });
  for (const c of fleet.chargers.values()) {
    c.on('online', () => process.stdout.write(`${c.id} online\n`));
    c.on('offline', () => process.stdout.write(`${c.id} offline\n`));
    // One line per failure would flood the terminal while the Central System is down: say it once.
    let reported = false;
    c.on('connection-failed', (err) => {
      if (!reported) process.stderr.write(`${err.message} (retrying)\n`);
      reported = true;
    });
    c.on('online', () => (reported = false));
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: closing ${fleet.chargers.size} chargers\n`);
    fleet.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`sim:chargers: closing failed: ${(err as Error).message}\n`);
        process.exit(1);
      }
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  process.stdout.write(`starting ${fleet.chargers.size} chargers against ${opts.url} (time scale ${opts.timeScale})\n`);
  // Not awaited as a whole: chargers come online one by one and each prints its own line.
  void fleet.start();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`sim:chargers: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
