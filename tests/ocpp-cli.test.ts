/**
 * The charger CLI: against a PGlite data folder directly, and against a "running plugpay" over
 * HTTP. The real process is run in ocpp-cli-process.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChargerCli } from '../server/cli/charger.js';
import { isPlugpayRunning, pidFilePath } from '../server/cli/pidfile.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'plugpay-cli-'));
  dirs.push(d);
  return d;
}

async function run(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runChargerCli(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('pid file', () => {
  it('tells a live plugpay from a missing or stale pid file', () => {
    const dir = tempDir();
    expect(isPlugpayRunning(dir)).toBe(false);
    writeFileSync(pidFilePath(dir), JSON.stringify({ pid: process.pid, port: 1, url: 'http://127.0.0.1:1' }));
    expect(isPlugpayRunning(dir)).toBe(true);
    // A process that has exited leaves a stale pid behind.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid as number;
    writeFileSync(pidFilePath(dir), String(gone));
    expect(isPlugpayRunning(dir)).toBe(false);
    writeFileSync(pidFilePath(dir), 'garbage');
    expect(isPlugpayRunning(dir)).toBe(false);
  });
});

describe('charger CLI on the embedded store', () => {
  const env = () => ({ DATA_DIR: dataDir });
  let dataDir: string;
  beforeAll(() => {
    dataDir = tempDir();
  });

  it('adds, lists and removes a charger', async () => {
    const added = await run(['add', 'CP-CLI', '--password', 'a-long-enough-password', '--connectors', '2', '--plug', 'CCS', '--max-power-w', '50000'], env());
    expect(added).toMatchObject({ code: 0, err: '' });
    expect(added.out).toContain('CP-CLI-1, CP-CLI-2');
    const listed = await run(['list'], env());
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^CP-CLI\t2 connector\(s\) \(CCS 50 kW\)/);
    expect((await run(['add', 'CP-CLI', '--password', 'a-long-enough-password'], env())).code).toBe(1);
    expect(await run(['remove', 'CP-CLI'], env())).toMatchObject({ code: 0, out: 'removed CP-CLI' });
    expect((await run(['remove', 'CP-CLI'], env())).code).toBe(1);
    expect((await run(['list'], env())).out).toBe('no chargers registered');
  });

  it('warns about a short password but registers it', async () => {
    const r = await run(['add', 'CP-SHORT', '--password', '12345678'], env());
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/shorter than 16/);
  });

  it.each([
    [['add', 'CP-X'], /--password/],
    [['add', 'CP-X', '--password', '1234567'], /at least 8/],
    [['add', 'CP-X', '--password', 'x'.repeat(41)], /at most 40/],
    [['add', 'CP-X', '--password', 'long-enough-pw', '--connectors', 'two'], /whole number/],
    [['add', 'CP/X', '--password', 'long-enough-pw'], /letters, digits/],
    [['add', 'CP-X', '--password', 'long-enough-pw', '--colour', 'red'], /colour/],
    [['add'], /exactly one/],
    [['remove'], /exactly one/],
    [['frobnicate'], /unknown command/],
    [[], /a command is needed/]
  ])('refuses %j with exit code 2 and changes nothing', async (argv, message) => {
    const r = await run(argv, env());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain('usage:');
  });

  it('registered nothing for the refused commands', async () => {
    expect((await run(['list'], env())).out).not.toContain('CP-X');
  });
});

describe('charger CLI while plugpay runs', () => {
  let server: Server;
  const requests: { url?: string; auth?: string; body: any }[] = [];
  let dataDir: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push({ url: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'CP-HTTP', connectors: ['CP-HTTP-1'], warnings: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    dataDir = tempDir();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(pidFilePath(dataDir), JSON.stringify({ pid: process.pid, port: 0, url }));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('asks the running plugpay to register the charger', async () => {
    const r = await run(['add', 'CP-HTTP', '--password', 'a-long-enough-password', '--station', 'st-1'], { DATA_DIR: dataDir, OPERATOR_TOKEN: 'operator-secret' });
    expect(r.code).toBe(0);
    expect(requests).toEqual([
      {
        url: '/api/admin/chargers',
        auth: 'Bearer operator-secret',
        body: { id: 'CP-HTTP', password: 'a-long-enough-password', connectors: 1, stationId: 'st-1', plugType: 'Type 2', maxPowerW: 22000 }
      }
    ]);
  });

  it('explains what is missing instead of opening the store', async () => {
    expect(await run(['add', 'CP-HTTP', '--password', 'a-long-enough-password'], { DATA_DIR: dataDir })).toMatchObject({ code: 1 });
    const listed = await run(['list'], { DATA_DIR: dataDir });
    expect(listed.code).toBe(1);
    expect(listed.err).toMatch(/plugpay is running/);
  });
});
