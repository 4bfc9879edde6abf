/**
 * plugpay as a child process (`node --import tsx server/main.ts`) on the embedded store in a data
 * folder that outlives it, for tests that kill it (-9) and start it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { eventually } from './plugpay.js';

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * Starts plugpay on `port` with `dataDir` and `env`, and waits until it answers its health check.
 * With `clockOffsetMs`, plugpay runs on an injected clock that far from the host's
 * (tests/helpers/plugpay-child-clock.ts) instead of the system clock.
 */
export async function startPlugpayChild(port: number, dataDir: string, env: Record<string, string> = {}, opts: { clockOffsetMs?: number } = {}): Promise<ChildProcess> {
  const entry = opts.clockOffsetMs === undefined ? 'server/main.ts' : 'tests/helpers/plugpay-child-clock.ts';
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      DATABASE_URL: '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      OCPP_METER_INTERVAL_SECONDS: '1',
      NODE_ENV: 'production',
      ...(opts.clockOffsetMs === undefined ? {} : { PLUGPAY_TEST_CLOCK_OFFSET_MS: String(opts.clockOffsetMs) }),
      ...env
    },
    stdio: ['ignore', 'ignore', 'inherit']
  });
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/api/health`)).ok, 60_000, 'plugpay to start');
  return child;
}

/** kill -9, and wait until it is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}
