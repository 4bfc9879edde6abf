/**
 * `<DATA_DIR>/plugpay.pid`: written by a running plugpay that uses the embedded PGlite store.
 * PGlite's data folder serves one process only, so tools (the charger CLI) check it and talk to
 * the running plugpay over HTTP instead of opening the folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PidFile {
  pid: number;
  port?: number;
  /** Loopback URL of the running plugpay, e.g. http://127.0.0.1:3000. */
  url?: string;
}

export function pidFilePath(dataDir: string): string {
  return join(dataDir, 'plugpay.pid');
}

/** The pid file's contents: JSON `{pid, port, url}`, or a bare pid; null when absent or unreadable. */
export function readPidFile(dataDir: string): PidFile | null {
  let text: string;
  try {
    text = readFileSync(pidFilePath(dataDir), 'utf8').trim();
  } catch {
    return null;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const data = JSON.parse(text) as Partial<PidFile>;
    if (!Number.isInteger(data.pid) || (data.pid as number) <= 0) return null;
    return { pid: data.pid as number, port: data.port, url: data.url };
  } catch {
    return null;
  }
}

/** True when the pid file names a live process (a stale file from a crash counts as not running). */
export function isPlugpayRunning(dataDir: string): boolean {
  const file = readPidFile(dataDir);
  if (!file) return false;
  try {
    process.kill(file.pid, 0); // signal 0: existence check only
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
