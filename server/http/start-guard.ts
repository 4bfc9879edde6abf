/**
 * The per-device rules on starting a charge, shared by the JSON API and the landing page's form
 * action, so that neither door is the one without a lock. A script that reserved every connector
 * and renewed the reservations locked every driver out; one device may try a few times a minute
 * and hold a couple of unapproved reservations (a driver may change their mind once), not a
 * station.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { take } from './rate-limit.js';

/** What one device (one IPv4 address, one IPv6 /64) may do when starting charges. */
export interface StartLimits {
  /** Start attempts per minute, good or bad. */
  sessionStartsPerMinute: number;
  /** Reservations one device may create within `approvalWindowSeconds`. */
  reservationsPerWindow: number;
  /**
   * How long an unapproved reservation holds its connector: two minutes, after which the
   * sessions service lets the next driver have the connector (ABANDON_AFTER_MS there).
   */
  approvalWindowSeconds: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number; detail: string };

export class StartGuard {
  private readonly attempts: RateLimiterMemory;
  private readonly reservations: RateLimiterMemory;

  constructor(private readonly limits: StartLimits) {
    this.attempts = new RateLimiterMemory({ keyPrefix: 'session-starts', points: limits.sessionStartsPerMinute, duration: 60 });
    this.reservations = new RateLimiterMemory({
      keyPrefix: 'reservations',
      points: limits.reservationsPerWindow,
      duration: limits.approvalWindowSeconds
    });
  }

  /** Counts one start attempt; refuses it when the device tries too often. */
  async attempt(device: string): Promise<Admission> {
    const wait = await take(this.attempts, device);
    if (wait === undefined) return { ok: true };
    return { ok: false, retryAfterSeconds: wait, detail: 'Too many attempts to start charging from this device. Wait a minute and try again.' };
  }

  /** Holds one reservation for the device, or refuses when it already holds its share. */
  async hold(device: string): Promise<Admission> {
    const wait = await take(this.reservations, device);
    if (wait === undefined) return { ok: true };
    await this.reservations.reward(device); // the refused attempt holds nothing either: the count is of reservations
    return {
      ok: false,
      retryAfterSeconds: wait,
      detail: `This device already has ${this.limits.reservationsPerWindow} reservations waiting. Approve or cancel one in the Vipps or MobilePay app, or stop it, before reserving another connector.`
    };
  }

  /** Gives back a reservation that was never made, or a connector the driver has let go. */
  async release(device: string): Promise<void> {
    if (((await this.reservations.get(device))?.consumedPoints ?? 0) > 0) await this.reservations.reward(device);
  }

}
