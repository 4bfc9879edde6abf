/** Staff accounts (console and till) and their signed-in sessions. */
import type { Queryable } from './db.js';

export type StaffRole = 'admin' | 'operator' | 'cashier';

export interface StaffAccountRecord {
  id: string;
  username: string;
  displayName: string;
  role: StaffRole;
  passwordHash: string;
  failedLogins: number;
  lockedUntil?: Date;
  lastLoginAt?: Date;
  createdAt: Date;
}

export class StaffExistsError extends Error {
  constructor(username: string) {
    super(`a staff account named ${username} exists already`);
    this.name = 'StaffExistsError';
  }
}

type Row = Record<string, any>;

const fromRow = (r: Row): StaffAccountRecord => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  passwordHash: r.password_hash,
  failedLogins: Number(r.failed_logins),
  lockedUntil: r.locked_until ? new Date(r.locked_until) : undefined,
  lastLoginAt: r.last_login_at ? new Date(r.last_login_at) : undefined,
  createdAt: new Date(r.created_at)
});

export class StaffRepository {
  async insert(db: Queryable, a: Omit<StaffAccountRecord, 'failedLogins' | 'lockedUntil' | 'lastLoginAt'>): Promise<void> {
    const { rows } = await db.query(
      `insert into staff_accounts (id, username, display_name, role, password_hash, created_at)
       values ($1, $2, $3, $4, $5, $6) on conflict (username) do nothing returning id`,
      [a.id, a.username, a.displayName, a.role, a.passwordHash, a.createdAt]
    );
    if (rows.length === 0) throw new StaffExistsError(a.username);
  }

  async byUsername(db: Queryable, username: string): Promise<StaffAccountRecord | null> {
    const { rows } = await db.query('select * from staff_accounts where username = $1', [username]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async list(db: Queryable): Promise<StaffAccountRecord[]> {
    const { rows } = await db.query('select * from staff_accounts order by username');
    return rows.map(fromRow);
  }

  async setPassword(db: Queryable, id: string, passwordHash: string): Promise<void> {
    await db.query('update staff_accounts set password_hash = $2, failed_logins = 0, locked_until = null where id = $1', [id, passwordHash]);
  }

  /**
   * Counts one wrong password, and locks the account until `lockUntil` when the count reaches
   * `lockAfter`. One statement, so two guesses at once cannot both read the old count.
   */
  async recordFailure(db: Queryable, id: string, lockAfter: number, lockUntil: Date): Promise<{ failedLogins: number; lockedUntil?: Date }> {
    const { rows } = await db.query(
      `update staff_accounts
          set failed_logins = failed_logins + 1,
              locked_until = case when failed_logins + 1 >= $2 then $3::timestamptz else locked_until end
        where id = $1 returning failed_logins, locked_until`,
      [id, lockAfter, lockUntil]
    );
    return { failedLogins: Number(rows[0]?.failed_logins ?? 0), lockedUntil: rows[0]?.locked_until ? new Date(rows[0].locked_until as string) : undefined };
  }

  async recordSuccess(db: Queryable, id: string, at: Date): Promise<void> {
    await db.query('update staff_accounts set failed_logins = 0, locked_until = null, last_login_at = $2 where id = $1', [id, at]);
  }

  async insertSession(db: Queryable, s: { tokenHash: string; accountId: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await db.query('insert into staff_sessions (token_hash, account_id, created_at, expires_at) values ($1, $2, $3, $4)', [
      s.tokenHash,
      s.accountId,
      s.createdAt,
      s.expiresAt
    ]);
  }

  /** The account behind a session that has not expired at `now`. */
  async sessionAccount(db: Queryable, tokenHash: string, now: Date): Promise<StaffAccountRecord | null> {
    const { rows } = await db.query(
      `select a.* from staff_sessions s join staff_accounts a on a.id = s.account_id where s.token_hash = $1 and s.expires_at > $2`,
      [tokenHash, now]
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async deleteSession(db: Queryable, tokenHash: string): Promise<void> {
    await db.query('delete from staff_sessions where token_hash = $1', [tokenHash]);
  }

  async deleteSessionsOf(db: Queryable, accountId: string): Promise<void> {
    await db.query('delete from staff_sessions where account_id = $1', [accountId]);
  }

  async deleteExpiredSessions(db: Queryable, now: Date): Promise<void> {
    await db.query('delete from staff_sessions where expires_at <= $1', [now]);
  }
}
