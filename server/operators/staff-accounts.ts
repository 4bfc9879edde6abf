/**
 * Staff accounts: who may sign in to the operator console (and the till), with which role.
 *
 * Passwords are scrypt hashes (the same parameters as charger passwords, see
 * server/chargers/password.ts). Guessing is slowed twice over: per device, a few dozen attempts
 * per quarter hour; per account, ten wrong passwords in a row lock it for a while, whoever sends
 * them, so a botnet cannot spread its guesses over many addresses.
 */
import { randomBytes } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../chargers/password.js';
import type { Logger } from '../log.js';
import { hashToken, type Clock } from '../sessions/ports.js';
import type { Db } from '../store/db.js';
import { StaffExistsError, StaffRepository, type StaffAccountRecord, type StaffRole } from '../store/staff-repository.js';

export type { StaffRole };
export const STAFF_ROLES: readonly StaffRole[] = ['cashier', 'operator', 'admin'];

/** A signed-in member of staff, as routes and pages see them. */
export interface StaffMember {
  id: string;
  username: string;
  displayName: string;
  role: StaffRole;
}

/**
 * True when `role` may do what `needed` may: an admin may do everything, an operator what a
 * cashier may too (a hub's operator can stand in at the till), a cashier only the till.
 */
export function roleAllows(role: StaffRole, needed: StaffRole): boolean {
  return STAFF_ROLES.indexOf(role) >= STAFF_ROLES.indexOf(needed);
}

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._@+-]{2,64}$/, 'use 2 to 64 letters, digits or . _ @ + -');
/** Long enough to resist guessing; bounded so hashing a megabyte cannot be asked for. */
export const passwordSchema = z.string().min(10, 'use at least 10 characters').max(200, 'use at most 200 characters');
export const newAccountSchema = z.object({
  username: usernameSchema,
  displayName: z.string().trim().min(1).max(100).optional(),
  role: z.enum(['admin', 'operator', 'cashier']),
  password: passwordSchema
});

export interface AccountPolicy {
  /** Wrong passwords in a row that lock an account. */
  lockAfter: number;
  /** How long a locked account stays locked. */
  lockMinutes: number;
  /** Sign-in attempts one device may make per `attemptWindowSeconds`. */
  attemptsPerWindow: number;
  attemptWindowSeconds: number;
  /** How long a signed-in browser stays signed in. */
  sessionHours: number;
}

export const defaultAccountPolicy: AccountPolicy = { lockAfter: 10, lockMinutes: 15, attemptsPerWindow: 30, attemptWindowSeconds: 15 * 60, sessionHours: 12 };

export type SignInResult =
  | { ok: true; token: string; staff: StaffMember; expiresAt: Date }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: Date }
  | { ok: false; reason: 'rate-limited'; retryAfterSeconds: number };

const member = (a: StaffAccountRecord): StaffMember => ({ id: a.id, username: a.username, displayName: a.displayName, role: a.role });

export class StaffAccounts {
  private readonly repo = new StaffRepository();
  private readonly policy: AccountPolicy;
  private readonly attempts: RateLimiterMemory;

  constructor(private readonly deps: { db: Db; clock: Clock; logger: Logger; policy?: Partial<AccountPolicy> }) {
    this.policy = { ...defaultAccountPolicy, ...deps.policy };
    this.attempts = new RateLimiterMemory({ keyPrefix: 'staff-sign-in', points: this.policy.attemptsPerWindow, duration: this.policy.attemptWindowSeconds });
  }

  /** Creates an account; throws a ZodError on bad input and StaffExistsError on a taken name. */
  async add(input: unknown): Promise<StaffMember> {
    const a = newAccountSchema.parse(input);
    const record = {
      id: randomBytes(8).toString('hex'),
      username: a.username,
      displayName: a.displayName ?? a.username,
      role: a.role,
      passwordHash: await hashPassword(a.password),
      createdAt: this.deps.clock.now()
    };
    await this.repo.insert(this.deps.db, record);
    this.deps.logger.info({ staffId: record.id, username: record.username, role: record.role }, 'staff account created');
    return member({ ...record, failedLogins: 0 });
  }

  /** Sets a new password (and unlocks the account); every browser signed in as it is signed out. */
  async setPassword(username: string, password: string): Promise<boolean> {
    const account = await this.repo.byUsername(this.deps.db, usernameSchema.parse(username));
    if (!account) return false;
    await this.repo.setPassword(this.deps.db, account.id, await hashPassword(passwordSchema.parse(password)));
    await this.repo.deleteSessionsOf(this.deps.db, account.id);
    return true;
  }

  list(): Promise<StaffMember[]> {
    return this.repo.list(this.deps.db).then((rows) => rows.map(member));
  }

  async exists(username: string): Promise<boolean> {
    return (await this.repo.byUsername(this.deps.db, username)) !== null;
  }

  /**
   * Checks a username and password from device `client`. A locked account answers "locked"
   * without looking at the password, so guesses made while it is locked teach nothing.
   */
  async signIn(input: { username: string; password: string; client: string }): Promise<SignInResult> {
    try {
      await this.attempts.consume(input.client);
    } catch (res) {
      if (res instanceof RateLimiterRes) return { ok: false, reason: 'rate-limited', retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
      throw new Error('sign-in limiter failed', { cause: res });
    }
    const name = usernameSchema.safeParse(input.username);
    const password = input.password.length <= 200 ? input.password : '';
    const account = name.success ? await this.repo.byUsername(this.deps.db, name.data) : null;
    const now = this.deps.clock.now();
    if (account?.lockedUntil && account.lockedUntil > now) return { ok: false, reason: 'locked', until: account.lockedUntil };
    // Unknown names cost the same scrypt work as known ones (verifyPassword's dummy hash).
    const good = await verifyPassword(password, account?.passwordHash ?? null);
    if (!account) return { ok: false, reason: 'invalid' };
    if (!good) {
      const lockUntil = new Date(now.getTime() + this.policy.lockMinutes * 60_000);
      const after = await this.repo.recordFailure(this.deps.db, account.id, this.policy.lockAfter, lockUntil);
      if (after.lockedUntil && after.lockedUntil > now) {
        this.deps.logger.warn({ staffId: account.id, failedLogins: after.failedLogins }, 'staff account locked after wrong passwords');
        return { ok: false, reason: 'locked', until: after.lockedUntil };
      }
      return { ok: false, reason: 'invalid' };
    }
    await this.repo.recordSuccess(this.deps.db, account.id, now);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.policy.sessionHours * 3_600_000);
    await this.repo.deleteExpiredSessions(this.deps.db, now);
    await this.repo.insertSession(this.deps.db, { tokenHash: hashToken(token), accountId: account.id, createdAt: now, expiresAt });
    this.deps.logger.info({ staffId: account.id }, 'staff signed in');
    return { ok: true, token, staff: member(account), expiresAt };
  }

  /** The member of staff a session cookie belongs to, or null (unknown, expired, signed out). */
  async staffFor(token: string | undefined): Promise<StaffMember | null> {
    if (!token || token.length > 100) return null;
    const account = await this.repo.sessionAccount(this.deps.db, hashToken(token), this.deps.clock.now());
    return account ? member(account) : null;
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token && token.length <= 100) await this.repo.deleteSession(this.deps.db, hashToken(token));
  }
}

export { StaffExistsError };
