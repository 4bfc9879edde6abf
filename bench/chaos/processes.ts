/**
 * The child processes of a chaos run: the Vipps MobilePay sandbox (long-lived, its own port and
 * state file) and plugpay itself (killed with SIGKILL and started again on the same DATA_DIR and
 * port). Every child is registered so it is killed when the harness ends, however it ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every child still running (SIGKILL: they hold no state of ours worth a goodbye). */
export function killAllChildren(): void {
  for (const c of live) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  live.clear();
}

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' handlers run synchronously even on process.exit(); kill() is synchronous enough.
    process.on('exit', killAllChildren);
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Waits for a child to exit, SIGKILLing it after `ms`. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited(child);
  clearTimeout(t);
}

/**
 * Runs `node --import tsx <script>` from the repository root with stderr, and stdout unless it
 * is piped to us, appended to `logFile` (pino logs JSON lines to stdout).
 */
function spawnTs(script: string, args: string[], env: Record<string, string>, logFile: string, stdout: 'pipe' | 'log'): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', stdout === 'pipe' ? 'pipe' : fd, fd]
    });
    track(child);
    return child;
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

export interface SandboxProcess {
  url: string;
  port: number;
  stateFile: string;
  stop(): Promise<void>;
}

/**
 * `npm run sandbox` without npm in between (a SIGKILL to npm would leave node running):
 * the standalone sandbox on 127.0.0.1:`port`, its state in `stateFile`.
 */
export async function startSandbox(opts: { port: number; stateFile: string; logFile: string; expiryMs: number; webhookRetryBaseMs: number }): Promise<SandboxProcess> {
  const child = spawnTs(
    'server/sim/vipps/cli.ts',
    ['--port', String(opts.port), '--state', opts.stateFile, '--expiry-ms', String(opts.expiryMs), '--webhook-retry-base-ms', String(opts.webhookRetryBaseMs)],
    { LOG_LEVEL: 'warn' },
    opts.logFile,
    'pipe'
  );
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const t = setTimeout(() => fail(new Error(`the Vipps sandbox did not start within 90 s (log: ${opts.logFile})`)), 90_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        ok(m[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      fail(new Error(`the Vipps sandbox exited at start (code ${code}, signal ${signal}; log: ${opts.logFile})`));
    });
  });
  child.stdout!.resume();
  return {
    url,
    port: opts.port,
    stateFile: opts.stateFile,
    // SIGTERM lets it write its state file one last time.
    stop: () => stopChild(child, 'SIGTERM', 5_000)
  };
}

/** plugpay as a child process that can be killed (-9) and started again on the same port and data. */
export class PlugpayProcess {
  private child?: ChildProcess;
  /** How many times it was started. */
  starts = 0;

  constructor(
    private readonly opts: { port: number; env: Record<string, string>; logFile: string; startTimeoutMs: number }
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.opts.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts plugpay with `extraEnv` on top of the run's environment and waits for /api/health. */
  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    if (this.running) throw new Error('plugpay is already running');
    const child = spawnTs('server/main.ts', [], { ...this.opts.env, ...extraEnv }, this.opts.logFile, 'log');
    this.child = child;
    this.starts++;
    let exitedEarly: string | undefined;
    child.once('exit', (code, signal) => (exitedEarly = `code ${code}, signal ${signal}`));
    const until = Date.now() + this.opts.startTimeoutMs;
    for (;;) {
      if (exitedEarly) throw new Error(`plugpay exited while starting (${exitedEarly}); log: ${this.opts.logFile}`);
      try {
        const res = await fetch(`${this.url}/api/health`, { signal: AbortSignal.timeout(5_000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) {
        await this.kill();
        throw new Error(`plugpay did not become healthy within ${this.opts.startTimeoutMs / 1000} s; log: ${this.opts.logFile}`);
      }
      await sleep(250);
    }
  }

  /** kill -9: no shutdown hooks, no goodbye to chargers, in-flight work lost mid-way. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c) return;
    c.kill('SIGKILL');
    await exited(c);
  }

  /** A clean stop (SIGTERM), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    const c = this.child;
    if (!c) return;
    await stopChild(c, 'SIGTERM', 15_000);
  }
}
