/**
 * `npm run operator -- add|list|password`: staff accounts for the operator console.
 *
 *   npm run operator -- add <username> [--role admin|operator|cashier] [--name "Kari Nordmann"] [--password-stdin]
 *   npm run operator -- list
 *   npm run operator -- password <username> [--password-stdin]
 *
 * Without --password-stdin a strong password is generated and printed once; a password is
 * never taken from the command line (shell history, `ps`). Uses the same settings as plugpay
 * (DATA_DIR, DATABASE_URL); on the embedded store plugpay must be stopped first.
 *
 * Exit codes: 0 done, 1 it failed (taken name, running plugpay, …), 2 bad arguments.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import type { Config } from '../config.js';
import { createLogger } from '../log.js';
import { StaffAccounts, StaffExistsError } from '../operators/staff-accounts.js';
import { systemClock } from '../sessions/ports.js';
import { openDb } from '../store/db.js';
import { migrate } from '../store/migrations.js';
import { CliFailure, runCommands, UsageError } from './commands.js';
import { isPlugpayRunning } from './pidfile.js';

export const USAGE = `usage:
  npm run operator -- add <username> [--role admin|operator|cashier] [--name "Full Name"] [--password-stdin]
  npm run operator -- list
  npm run operator -- password <username> [--password-stdin]`;

export interface OperatorCliIo {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** The whole of standard input (for --password-stdin). */
  stdin: () => Promise<string>;
}


async function withAccounts<T>(config: Config, fn: (accounts: StaffAccounts) => Promise<T>): Promise<T> {
  if (!config.databaseUrl && isPlugpayRunning(config.dataDir)) {
    throw new CliFailure(`plugpay is running and owns the data folder ${config.dataDir}; stop it first (or use DATABASE_URL)`);
  }
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db);
    return await fn(new StaffAccounts({ db, clock: systemClock, logger: createLogger('silent') }));
  } finally {
    await db.close();
  }
}

async function passwordFrom(stdin: boolean, io: OperatorCliIo): Promise<{ password: string; generated: boolean }> {
  if (!stdin) return { password: randomBytes(15).toString('base64url'), generated: true };
  const password = (await io.stdin()).replace(/\r?\n$/, '');
  return { password, generated: false };
}

const explain = (err: unknown): never => {
  if (err instanceof ZodError) throw new CliFailure(err.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
  if (err instanceof StaffExistsError) throw new CliFailure(err.message);
  throw err;
};

async function add(config: Config, args: string[], io: OperatorCliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { role: { type: 'string', default: 'admin' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean', default: false } }
  });
  if (positionals.length !== 1) throw new UsageError('add needs exactly one <username>');
  if (!['admin', 'operator', 'cashier'].includes(values.role!)) throw new UsageError(`--role must be admin, operator or cashier, got "${values.role}"`);
  const { password, generated } = await passwordFrom(values['password-stdin']!, io);
  const staff = await withAccounts(config, (a) => a.add({ username: positionals[0], displayName: values.name, role: values.role, password }).catch(explain));
  io.out(`added ${staff.username} (${staff.role})`);
  if (generated) io.out(`password: ${password}`);
}

async function list(config: Config, args: string[], io: OperatorCliIo): Promise<void> {
  if (args.length > 0) throw new UsageError(`list takes no arguments, got ${args.join(' ')}`);
  const staff = await withAccounts(config, (a) => a.list());
  if (staff.length === 0) io.out('no staff accounts');
  for (const s of staff) io.out(`${s.username}\t${s.role}\t${s.displayName}`);
}

async function password(config: Config, args: string[], io: OperatorCliIo): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'password-stdin': { type: 'boolean', default: false } } });
  if (positionals.length !== 1) throw new UsageError('password needs exactly one <username>');
  const { password: pw, generated } = await passwordFrom(values['password-stdin']!, io);
  const found = await withAccounts(config, (a) => a.setPassword(positionals[0], pw).catch(explain));
  if (!found) throw new CliFailure(`no staff account ${positionals[0]}`);
  io.out(`new password set for ${positionals[0]}; its browsers are signed out`);
  if (generated) io.out(`password: ${pw}`);
}

/** Runs the CLI; resolves with the exit code. */
export async function runOperatorCli(argv: string[], io: OperatorCliIo): Promise<number> {
  return runCommands(argv, io, USAGE, { add, list, password });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runOperatorCli(process.argv.slice(2), {
    env: process.env,
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    stdin: readStdin
  }).then((code) => {
    process.exitCode = code;
  });
}
