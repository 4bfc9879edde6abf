/**
 * What the driver's phone keeps about its own charges, in localStorage: the last known state of
 * each session (shown when a reload happens offline, and under "my charging") and a stop that
 * waits for the network. Nothing secret: the session token stays in its httpOnly cookie.
 */
import type { SessionView } from '$lib/shared/api';

const PREFIX = 'plugpay:session:';
const STOP_PREFIX = 'plugpay:stop:';
/** Receipts kept on the phone; older ones are dropped. */
const KEEP = 50;

export interface KeptSession {
  view: SessionView;
  /** When this phone last heard from plugpay about it (epoch ms). */
  savedAt: number;
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled (private mode in some browsers)
  }
}

function read(key: string): KeptSession | null {
  try {
    const raw = storage()?.getItem(key);
    if (!raw) return null;
    const v = JSON.parse(raw) as KeptSession;
    return v && typeof v.savedAt === 'number' && v.view && typeof v.view.id === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Keeps the newest state of a session (the power series is left out: it is only a picture). */
export function keepSession(view: SessionView, savedAt: number): void {
  const s = storage();
  if (!s) return;
  try {
    s.setItem(PREFIX + view.id, JSON.stringify({ view: { ...view, powerSeries: view.powerSeries.slice(-20) }, savedAt }));
    prune(s);
  } catch {
    // Full storage: the live page still works; only the offline copy is missing.
  }
}

export function keptSession(id: string): KeptSession | null {
  return read(PREFIX + id);
}

/** Every session kept on this phone: running ones first, then the newest receipts. */
export function keptSessions(): KeptSession[] {
  const s = storage();
  if (!s) return [];
  const all: KeptSession[] = [];
  for (let i = 0; i < s.length; i++) {
    const key = s.key(i);
    if (key?.startsWith(PREFIX)) {
      const v = read(key);
      if (v) all.push(v);
    }
  }
  const running = (k: KeptSession) => (k.view.state === 'completed' || k.view.state === 'failed' ? 1 : 0);
  return all.sort((a, b) => running(a) - running(b) || Date.parse(b.view.createdAt) - Date.parse(a.view.createdAt));
}

function prune(s: Storage): void {
  const all = keptSessions();
  for (const old of all.slice(KEEP)) s.removeItem(PREFIX + old.view.id);
}

/** A stop pressed without a network: sent as soon as the connection is back. */
export function rememberStop(id: string, at: number): void {
  try {
    storage()?.setItem(STOP_PREFIX + id, String(at));
  } catch {
    // Without storage the stop still waits in memory while the page stays open.
  }
}

export function stopWaiting(id: string): boolean {
  return !!storage()?.getItem(STOP_PREFIX + id);
}

export function forgetStop(id: string): void {
  storage()?.removeItem(STOP_PREFIX + id);
}
