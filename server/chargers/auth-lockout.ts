/**
 * A lockout for chargers' Basic-auth failures (OCPP 1.6 security profile 1). Every check costs a
 * scrypt run (password.ts), so unlimited guessing is both a password attack and a way to keep
 * the CPU busy. After repeated failures the charger id, and separately the remote address, is
 * refused with 429 for a while, without checking anything.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';

/** The part of ocpp-rpc's handshake the lockout reads. */
export interface AuthAttempt {
  identity: string;
  remoteAddress?: string;
  password?: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

type Accept = (session?: Record<string, any>, protocol?: string | false) => void;
type Reject = (code: number, message: string) => void;
/** ocpp-rpc's `RPCServer.auth` callback. */
export type AuthCallback<H extends AuthAttempt = AuthAttempt> = (accept: Accept, reject: Reject, handshake: H, signal?: AbortSignal) => Promise<void>;

export interface AuthLock {
  scope: 'charger' | 'address';
  chargerId: string;
  remoteAddress: string;
  seconds: number;
}

export interface AuthLockoutOptions {
  /** Failures for one charger id before it is locked. Default 10. */
  perCharger?: number;
  /** Failures from one remote address, over every id, before it is locked. Default 20. */
  perAddress?: number;
  /** The window failures are counted in, in seconds. Default 300. */
  windowSeconds?: number;
  /** How long a lock lasts from the failure that set it, in seconds. Default 300. */
  lockSeconds?: number;
  /** Told once when a lock is set, to be logged. */
  onLock?: (lock: AuthLock) => void;
}

/** 401 is ocpp-rpc's and plugpay's answer to bad credentials; only those count as guesses. */
const BAD_CREDENTIALS = 401;

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * @example
 * const lockout = new AuthLockout({ onLock: (l) => log.warn(l, 'charger auth locked') });
 * rpc.auth(lockout.guard(async (accept, reject, handshake) => { … reject(401) on bad credentials … }));
 */
export class AuthLockout {
  private readonly perCharger: number;
  private readonly perAddress: number;
  private readonly lockSeconds: number;
  private readonly chargers: RateLimiterMemory;
  private readonly addresses: RateLimiterMemory;
  /**
   * The address each charger last authenticated from. A charger's id is no secret (it is in the
   * URL), so anyone can fail on it; from its own address the charger is not held to its id's
   * lock, or a stranger could keep a working charger off the network. Only successful chargers
   * are kept, so this holds at most one entry per registered charger.
   */
  private readonly lastGood = new Map<string, string>();

  constructor(private readonly opts: AuthLockoutOptions = {}) {
    this.perCharger = positive('perCharger', opts.perCharger ?? 10);
    this.perAddress = positive('perAddress', opts.perAddress ?? 20);
    const windowSeconds = positive('windowSeconds', opts.windowSeconds ?? 300);
    this.lockSeconds = positive('lockSeconds', opts.lockSeconds ?? 300);
    this.chargers = new RateLimiterMemory({ keyPrefix: 'ocpp-auth-charger', points: this.perCharger, duration: windowSeconds });
    this.addresses = new RateLimiterMemory({ keyPrefix: 'ocpp-auth-address', points: this.perAddress, duration: windowSeconds });
  }

  /** Seconds until this attempt may be checked; 0 when it may be checked now. */
  async lockedFor(chargerId: string, remoteAddress: string): Promise<number> {
    const byAddress = await this.remaining(this.addresses, remoteAddress, this.perAddress);
    const own = this.lastGood.get(chargerId) === remoteAddress;
    const byCharger = own ? 0 : await this.remaining(this.chargers, chargerId, this.perCharger);
    return Math.max(byAddress, byCharger);
  }

  async failed(chargerId: string, remoteAddress: string): Promise<void> {
    // Both counts start now, before the refusal is sent, so the next attempt already sees them.
    await Promise.all([
      this.count(this.chargers, chargerId, this.perCharger, { scope: 'charger', chargerId, remoteAddress }),
      this.count(this.addresses, remoteAddress, this.perAddress, { scope: 'address', chargerId, remoteAddress })
    ]);
  }

  async succeeded(chargerId: string, remoteAddress: string): Promise<void> {
    this.lastGood.set(chargerId, remoteAddress);
    await this.chargers.delete(chargerId);
  }

  /**
   * Wraps an auth callback: a locked attempt is refused with 429 before `inner` runs; a 401 from
   * `inner` counts as a failure, an accept as a success. Other refusals (a missing subprotocol,
   * plugpay unable to check) are no guesses and count for nothing.
   */
  guard<H extends AuthAttempt>(inner: AuthCallback<H>): AuthCallback<H> {
    return async (accept, reject, handshake, signal) => {
      const chargerId = handshake.identity;
      const address = handshake.remoteAddress ?? 'unknown';
      const wait = await this.lockedFor(chargerId, address);
      if (wait > 0) return reject(429, 'Too Many Requests');
      const outcomes: Promise<void>[] = [];
      await inner(
        (session, protocol) => {
          outcomes.push(this.succeeded(chargerId, address));
          accept(session, protocol);
        },
        (code, message) => {
          if (code === BAD_CREDENTIALS) outcomes.push(this.failed(chargerId, address));
          reject(code, message);
        },
        handshake,
        signal
      );
      await Promise.all(outcomes);
    };
  }

  private async remaining(limiter: RateLimiterMemory, key: string, limit: number): Promise<number> {
    const res = await limiter.get(key);
    return res && res.consumedPoints >= limit ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;
  }

  private async count(limiter: RateLimiterMemory, key: string, limit: number, lock: Omit<AuthLock, 'seconds'>): Promise<void> {
    const res = await limiter.penalty(key, 1);
    if (res.consumedPoints !== limit) return;
    // The limit is reached now: hold the key for the whole lock, counted from this failure.
    await limiter.block(key, this.lockSeconds);
    this.opts.onLock?.({ ...lock, seconds: this.lockSeconds });
  }
}
