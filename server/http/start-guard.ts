/**
 * The per-device rules on starting a charge, shared by the JSON API and the landing page's form
 * action, so that neither door is the one without a lock. A script that reserved every connector
 * and renewed the reservations locked every driver out; one device may try a few times a minute
 * and hold a couple of reservations awaiting approval (a driver may change their mind once), not
 * a station. What counts is what the device holds now: a reservation approved, rejected, expired
 * or given up no longer counts, so a driver who has started charging may reserve again at once.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { take } from './rate-limit.js';

/** What one device (one IPv4 address, one IPv6 /64) may do when starting charges. */
export interface StartLimits {
  /** Start attempts per minute, good or bad. */
  sessionStartsPerMinute: number;
  /** Reservations awaiting approval one device may hold at a time. */
  reservationsPerWindow: number;
  /**
   * How long an unapproved reservation holds its connector: two minutes, after which the
   * sessions service lets the next driver have the connector (ABANDON_AFTER_MS there). A device
   * refused for holding too many is told to try again after this long at most.
   */
  approvalWindowSeconds: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number; detail: string };

/** Which of these sessions still await the driver's approval (the store is the judge). */
export type AwaitingPayment = (sessionIds: string[]) => Promise<string[]>;

interface Holdings {
  /** Sessions this device reserved that awaited approval when last looked at. */
  sessions: Set<string>;
  /** Reservations being created right now (admitted, not yet confirmed or released). */
  pending: number;
}

/** After this many admissions, every device's holdings are looked at again in one query. */
const SWEEP_EVERY = 500;

export class StartGuard {
  private readonly attempts: RateLimiterMemory;
  private readonly holdings = new Map<string, Holdings>();
  private sinceSweep = 0;

  constructor(
    private readonly limits: StartLimits,
    private readonly awaiting: AwaitingPayment
  ) {
    this.attempts = new RateLimiterMemory({ keyPrefix: 'session-starts', points: limits.sessionStartsPerMinute, duration: 60 });
  }

  /** Counts one start attempt; refuses it when the device tries too often. */
  async attempt(device: string): Promise<Admission> {
    const wait = await take(this.attempts, device);
    if (wait === undefined) return { ok: true };
    return { ok: false, retryAfterSeconds: wait, detail: 'Too many attempts to start charging from this device. Wait a minute and try again.' };
  }

  /**
   * Admits one more reservation for the device, or refuses when it already holds its share.
   * An admitted reservation must be followed by `confirm` (it was made) or `release` (it failed).
   */
  async hold(device: string): Promise<Admission> {
    if (++this.sinceSweep >= SWEEP_EVERY) await this.sweep();
    const h = this.holdings.get(device) ?? { sessions: new Set<string>(), pending: 0 };
    if (h.sessions.size > 0) h.sessions = new Set(await this.awaiting([...h.sessions]));
    if (h.sessions.size + h.pending >= this.limits.reservationsPerWindow) {
      this.keep(device, h);
      return {
        ok: false,
        retryAfterSeconds: this.limits.approvalWindowSeconds,
        detail: `This device already has ${this.limits.reservationsPerWindow} reservations waiting. Approve or cancel one in the Vipps or MobilePay app, or stop it, before reserving another connector.`
      };
    }
    h.pending++;
    this.keep(device, h);
    return { ok: true };
  }

  /** The admitted reservation was made: it counts until it is no longer awaiting approval. */
  confirm(device: string, sessionId: string): void {
    const h = this.holdings.get(device) ?? { sessions: new Set<string>(), pending: 1 };
    h.pending = Math.max(0, h.pending - 1);
    h.sessions.add(sessionId);
    this.keep(device, h);
  }

  /** The admitted reservation was never made: it holds nothing. */
  release(device: string): void {
    const h = this.holdings.get(device);
    if (!h) return;
    h.pending = Math.max(0, h.pending - 1);
    this.keep(device, h);
  }

  /** Devices tracked (for tests and the memory bound). */
  get size(): number {
    return this.holdings.size;
  }

  private keep(device: string, h: Holdings): void {
    if (h.sessions.size === 0 && h.pending === 0) this.holdings.delete(device);
    else this.holdings.set(device, h);
  }

  /** Forgets sessions no longer awaiting approval, for every device at once. */
  private async sweep(): Promise<void> {
    this.sinceSweep = 0;
    const all = [...this.holdings.values()].flatMap((h) => [...h.sessions]);
    const still = new Set(await this.awaiting(all));
    for (const [device, h] of this.holdings) {
      h.sessions = new Set([...h.sessions].filter((id) => still.has(id)));
      this.keep(device, h);
    }
  }
}
