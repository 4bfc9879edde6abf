import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliUsageError, countedChargers, parseCliArgs } from './cli.js';
import { startFakeCentralSystem, type FakeCentralSystem } from './fake-central-system.js';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));

describe('parseCliArgs', () => {
  it.each([
    { argv: [], msg: /--url is required/ },
    { argv: ['--url', 'http://x/ocpp', '--count', '2'], msg: /ws:\/\/ or wss:\/\// },
    { argv: ['--url', 'ws://x/ocpp'], msg: /one of --count or --config/ },
    { argv: ['--url', 'ws://x/ocpp', '--count', 'many'], msg: /--count must be an integer/ },
    { argv: ['--url', 'ws://x/ocpp', '--count', '2', '--config', 'f.json'], msg: /not both/ },
    { argv: ['--url', 'ws://x/ocpp', '--count', '2', '--time-scale', '0'], msg: /--time-scale must be a positive number/ },
    { argv: ['--url', 'ws://x/ocpp', '--count', '2', '--password', 'short'], msg: /--password must be 8 to 40/ },
    { argv: ['--url', 'ws://x/ocpp', '--bogus'], msg: /bogus/ }
  ])('rejects $argv', ({ argv, msg }) => {
    expect(() => parseCliArgs(argv)).toThrow(CliUsageError);
    expect(() => parseCliArgs(argv)).toThrow(msg);
  });

  it('reads a counted fleet', () => {
    expect(parseCliArgs(['--url', 'ws://h:1/ocpp', '--count', '3', '--password', 'pw-123456', '--time-scale', '30'])).toEqual({
      help: false,
      url: 'ws://h:1/ocpp',
      timeScale: 30,
      source: { kind: 'count', count: 3, password: 'pw-123456' }
    });
    expect(countedChargers(2, 'pw-123456').map((c) => c.id)).toEqual(['SIM-0001', 'SIM-0002']);
  });
});

describe('sim:chargers process', () => {
  let csms: FakeCentralSystem;
  beforeAll(async () => {
    csms = await startFakeCentralSystem();
  });
  afterAll(async () => {
    await csms.close();
  });

  it('exits 2 with a clear message on bad arguments', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', cli, '--count', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const [code] = await once(p, 'exit');
    expect(code).toBe(2);
    expect(err).toMatch(/--url is required/);
  });

  it('prints one line per charger online and closes cleanly on SIGINT', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', cli, '--url', csms.url, '--count', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const bothOnline = new Promise<void>((resolve) => {
      p.stdout.on('data', (d) => {
        out += d;
        if (out.includes('SIM-0001 online') && out.includes('SIM-0002 online')) resolve();
      });
    });
    await bothOnline;
    p.kill('SIGINT');
    const [code] = await once(p, 'exit');
    expect(code).toBe(0);
    expect(out).toMatch(/SIGINT: closing 2 chargers/);
  });
});
