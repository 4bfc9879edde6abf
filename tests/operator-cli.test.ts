/**
 * `npm run operator`: staff accounts made against a PGlite data folder, and signing in with them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runOperatorCli } from '../server/cli/operator.js';
import { pidFilePath } from '../server/cli/pidfile.js';
import { silentLogger } from '../server/log.js';
import { StaffAccounts } from '../server/operators/staff-accounts.js';
import { systemClock } from '../server/sessions/ports.js';
import { openDb } from '../server/store/db.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'plugpay-operator-cli-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(argv: string[], env: Record<string, string>, stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOperatorCli(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l), stdin: async () => stdin });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function signIn(dataDir: string, username: string, password: string) {
  const db = await openDb({ dataDir });
  try {
    return await new StaffAccounts({ db, clock: systemClock, logger: silentLogger }).signIn({ username, password, client: 'cli-test' });
  } finally {
    await db.close();
  }
}

describe('npm run operator', () => {
  it('adds the first admin with a generated password that signs in, and lists it', async () => {
    const dir = tempDir();
    const env = { DATA_DIR: dir, LOG_LEVEL: 'silent' };
    const added = await run(['add', 'kari', '--name', 'Kari Nordmann'], env);
    expect(added).toMatchObject({ code: 0 });
    expect(added.out).toMatch(/^added kari \(admin\)$/m);
    const password = /^password: (\S+)$/m.exec(added.out)![1];
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect((await signIn(dir, 'kari', password)).ok).toBe(true);
    expect((await run(['list'], env)).out).toBe('kari\tadmin\tKari Nordmann');
    // A taken name fails and changes nothing.
    const again = await run(['add', 'kari'], env);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/exists already/);
  }, 60_000);

  it('takes a password from standard input, never from the command line', async () => {
    const dir = tempDir();
    const env = { DATA_DIR: dir, LOG_LEVEL: 'silent' };
    const r = await run(['add', 'ola', '--role', 'cashier', '--password-stdin'], env, 'a password from stdin\n');
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).not.toMatch(/password:/);
    expect(await signIn(dir, 'ola', 'a password from stdin')).toMatchObject({ ok: true, staff: { role: 'cashier' } });
    expect((await run(['add', 'per', '--password', 'on-the-command-line'], env)).code).toBe(2);
    expect((await run(['add', 'per', '--password-stdin'], env, 'short')).code).toBe(1);
    expect((await run(['add', 'per', '--role', 'owner'], env)).code).toBe(2);
  }, 60_000);

  it('refuses to open the data folder of a running plugpay', async () => {
    const dir = tempDir();
    writeFileSync(pidFilePath(dir), JSON.stringify({ pid: process.pid, port: 1, url: 'http://127.0.0.1:1' }));
    const r = await run(['add', 'kari'], { DATA_DIR: dir, LOG_LEVEL: 'silent' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/plugpay is running/);
  });
});
