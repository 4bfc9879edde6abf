import { afterEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { backends, freshDb } from '../../tests/helpers/db.js';
import { silentLogger } from '../log.js';
import type { Db } from '../store/db.js';
import { roleAllows, StaffAccounts, StaffExistsError } from './staff-accounts.js';

const PASSWORD = 'correct horse battery';

describe.each(backends())('StaffAccounts on %s', (backend) => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  /** Accounts on a clock the test moves; dates far from today show any use of the real one. */
  async function newAccounts(policy = {}) {
    db = await freshDb(backend);
    const clock = { t: new Date('2031-05-06T07:00:00Z'), now() { return this.t; } };
    const sut = new StaffAccounts({ db, clock, logger: silentLogger, policy });
    await sut.add({ username: 'Kari', password: PASSWORD, role: 'operator' });
    return { sut, clock, db };
  }

  it('signs in with the right password and finds the staff member by the cookie token', async () => {
    const { sut, db } = await newAccounts();
    const r = await sut.signIn({ username: 'kari', password: PASSWORD, client: '10.0.0.1' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.staff).toMatchObject({ username: 'kari', role: 'operator' });
    expect(await sut.staffFor(r.token)).toMatchObject({ username: 'kari' });
    // Only the hash of the token is stored, and the password as scrypt.
    const { rows } = await db.query<{ token_hash: string }>('select token_hash from staff_sessions');
    expect(rows[0].token_hash).not.toContain(r.token);
    const { rows: acc } = await db.query<{ password_hash: string }>('select password_hash from staff_accounts');
    expect(acc[0].password_hash).toMatch(/^scrypt\$/);
    await sut.signOut(r.token);
    expect(await sut.staffFor(r.token)).toBeNull();
  });

  it('refuses a wrong password and an unknown name alike', async () => {
    const { sut } = await newAccounts();
    expect(await sut.signIn({ username: 'kari', password: 'not the password', client: 'a' })).toEqual({ ok: false, reason: 'invalid' });
    expect(await sut.signIn({ username: 'nobody', password: PASSWORD, client: 'a' })).toEqual({ ok: false, reason: 'invalid' });
    expect(await sut.signIn({ username: '../../x', password: PASSWORD, client: 'a' })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('locks the account after ten wrong passwords, even for the right one, until the lock runs out', async () => {
    const { sut, clock } = await newAccounts({ lockMinutes: 15 });
    for (let i = 1; i <= 9; i++) expect((await sut.signIn({ username: 'kari', password: `wrong ${i}`, client: `c${i}` })).ok).toBe(false);
    const tenth = await sut.signIn({ username: 'kari', password: 'wrong 10', client: 'c10' });
    expect(tenth).toMatchObject({ ok: false, reason: 'locked' });
    expect(await sut.signIn({ username: 'kari', password: PASSWORD, client: 'c11' })).toMatchObject({ ok: false, reason: 'locked' });
    clock.t = new Date(clock.t.getTime() + 16 * 60_000);
    expect((await sut.signIn({ username: 'kari', password: PASSWORD, client: 'c12' })).ok).toBe(true);
    // A success resets the count: nine more wrong ones do not lock it again.
    for (let i = 1; i <= 9; i++) await sut.signIn({ username: 'kari', password: `wrong ${i}`, client: `d${i}` });
    expect((await sut.signIn({ username: 'kari', password: PASSWORD, client: 'd10' })).ok).toBe(true);
  });

  it('limits sign-in attempts per device', async () => {
    const { sut } = await newAccounts({ attemptsPerWindow: 3 });
    for (let i = 0; i < 3; i++) await sut.signIn({ username: 'nobody', password: 'x', client: '10.0.0.9' });
    expect(await sut.signIn({ username: 'kari', password: PASSWORD, client: '10.0.0.9' })).toMatchObject({ ok: false, reason: 'rate-limited' });
    expect((await sut.signIn({ username: 'kari', password: PASSWORD, client: '10.0.0.10' })).ok).toBe(true);
  });

  it('ends sessions when they expire and when the password changes', async () => {
    const { sut, clock } = await newAccounts({ sessionHours: 1 });
    const a = await sut.signIn({ username: 'kari', password: PASSWORD, client: 'a' });
    const b = await sut.signIn({ username: 'kari', password: PASSWORD, client: 'a' });
    if (!a.ok || !b.ok) throw new Error('sign-in failed');
    clock.t = new Date(clock.t.getTime() + 61 * 60_000);
    expect(await sut.staffFor(a.token)).toBeNull();
    const c = await sut.signIn({ username: 'kari', password: PASSWORD, client: 'a' });
    if (!c.ok) throw new Error('sign-in failed');
    expect(await sut.setPassword('kari', 'another good password')).toBe(true);
    expect(await sut.staffFor(c.token)).toBeNull();
    expect((await sut.signIn({ username: 'kari', password: 'another good password', client: 'a' })).ok).toBe(true);
  });

  it('refuses bad new accounts and taken names', async () => {
    const { sut } = await newAccounts();
    await expect(sut.add({ username: 'kari', password: PASSWORD, role: 'admin' })).rejects.toBeInstanceOf(StaffExistsError);
    await expect(sut.add({ username: 'ola', password: 'short', role: 'admin' })).rejects.toBeInstanceOf(ZodError);
    await expect(sut.add({ username: 'ola', password: PASSWORD, role: 'owner' })).rejects.toBeInstanceOf(ZodError);
    expect((await sut.list()).map((s) => s.username)).toEqual(['kari']);
  });
});

describe('roles', () => {
  it.each([
    ['admin', 'admin', true],
    ['admin', 'cashier', true],
    ['operator', 'operator', true],
    ['operator', 'cashier', true],
    ['operator', 'admin', false],
    ['cashier', 'cashier', true],
    ['cashier', 'operator', false]
  ] as const)('%s may act as %s: %s', (role, needed, allowed) => {
    expect(roleAllows(role, needed)).toBe(allowed);
  });
});
