/**
 * The process under measurement runs apart from the load generator, so its resident set, CPU
 * time and event loop are its own. Figures are read from /proc (Linux), never from the child.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { serverEnv } from '../scripts/server-env.mjs';

export interface Child {
  pid: number;
  /** Lines the child wrote (stdout and stderr), the last 200 of them. */
  recentOutput(): string[];
  /** How many output lines are pino warnings or errors (level ≥ 40). */
  warnings: number;
  /** Those lines counted by their message. */
  warningsByMessage: Map<string, number>;
  rssMiB(): number;
  /** User + system CPU seconds used so far. */
  cpuSeconds(): number;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * BENCH_PIN=<load>:<server> (CPU lists as taskset takes them, e.g. 0:1) keeps the load generator
 * and the measured server on CPUs of their own, so that a figure measures the server rather than
 * the scheduler sharing two cores between them. It applies to the relay and to plugpay alike.
 * Processes the bench does not start (PostgreSQL) still run anywhere.
 */
export function pinning(): { load: string; server: string } | undefined {
  const v = process.env.BENCH_PIN;
  if (!v) return undefined;
  const m = /^([\d,-]+):([\d,-]+)$/.exec(v);
  if (!m) throw new Error(`BENCH_PIN takes <load CPUs>:<server CPUs>, e.g. 0:1, not ${v}`);
  return { load: m[1], server: m[2] };
}

/** Moves this process (every thread of it: the load generator) to its CPUs, if BENCH_PIN says so. */
export function pinLoadGenerator(): string | undefined {
  const pin = pinning();
  if (!pin) return undefined;
  execFileSync('taskset', ['-a', '-cp', pin.load, String(process.pid)], { stdio: 'ignore' });
  return `load generator on CPU ${pin.load}, measured servers on CPU ${pin.server}`;
}

/** A free loopback port (bound and released at once; good enough on a quiet machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `node --import tsx <script>` in `cwd` (the load's own helpers: the relay, the sandbox). */
export function spawnTsx(script: string, env: Record<string, string>, cwd: string, nodeFlags: string[] = []): Child {
  return spawnNode([...nodeFlags, '--import', 'tsx', script], env, cwd);
}

/**
 * Starts `node <args>` in `cwd` with the given environment. With BENCH_CPU_PROF=<dir>, the
 * process writes a V8 CPU profile there when it exits (Node refuses --cpu-prof in NODE_OPTIONS,
 * so it has to be passed here). With BENCH_SERVER_OUT=<file>, everything the child prints is also
 * appended to that file.
 */
export function spawnNode(nodeArgs: string[], env: Record<string, string>, cwd: string): Child {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const argv = [...profile, ...nodeArgs];
  const cpu = pinning()?.server;
  // taskset execs node in its own place (same pid), so every thread node starts inherits the CPU.
  const [file, args] = cpu === undefined ? [process.execPath, argv] : ['taskset', ['-c', cpu, process.execPath, ...argv]];
  const child: ChildProcess = spawn(file, args, {
    cwd,
    // plugpay as production starts it (scripts/run-compiled.mjs): with its malloc settings.
    env: serverEnv({ ...process.env, ...env }),
    stdio: ['ignore', 'pipe', 'pipe']
  });
  const lines: string[] = [];
  const handle: Child = {
    pid: child.pid!,
    recentOutput: () => [...lines],
    warnings: 0,
    warningsByMessage: new Map(),
    rssMiB: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : NaN;
    },
    cpuSeconds: () => {
      // /proc/<pid>/stat fields 14 and 15 (utime, stime) in clock ticks; the comm field may hold spaces.
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    },
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // A CPU profile is written as the process exits, which takes a while after a long run.
      const t = setTimeout(() => child.kill('SIGKILL'), process.env.BENCH_CPU_PROF ? 180_000 : 15_000);
      await handle.exited;
      clearTimeout(t);
    }
  };
  const out = process.env.BENCH_SERVER_OUT;
  const take = (chunk: Buffer) => {
    if (out) appendFileSync(out, chunk);
    for (const line of String(chunk).split('\n')) {
      if (!line.trim()) continue;
      if (/"level":\s*(4|5|6)\d/.test(line)) {
        handle.warnings++;
        let msg = line.slice(0, 120);
        try {
          msg = String((JSON.parse(line) as { msg?: unknown }).msg ?? msg);
        } catch {
          // not a JSON line: keep its start
        }
        handle.warningsByMessage.set(msg, (handle.warningsByMessage.get(msg) ?? 0) + 1);
      }
      lines.push(line);
      if (lines.length > 200) lines.shift();
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  return handle;
}

/** Polls `url` until it answers 200, or fails with the child's last words. */
export async function waitHealthy(url: string, child: Child, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`the process exited while starting:\n${child.recentOutput().slice(-20).join('\n')}`);
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url} did not become healthy within ${ms} ms:\n${child.recentOutput().slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
