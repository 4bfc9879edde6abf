/** The charger CLI as a real child process through tsx, with DATA_DIR pointing at a temp folder. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChargerCli } from '../server/cli/charger.js';

const dataDir = mkdtempSync(join(tmpdir(), 'plugpay-cli-proc-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const code = await runChargerCli(argv, { env, out: (l) => out.push(l), err: () => undefined });
  return { code, out: out.join('\n') };
}

describe('charger CLI as a process', () => {
  it('runs through tsx with DATA_DIR', async () => {
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' };
    const exec = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', 'server/cli/charger.ts', ...args], { env, cwd: process.cwd() }, (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
        );
      });
    const added = await exec(['add', 'CP-PROC', '--password', 'process-password-1234', '--connectors', '3']);
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toContain('CP-PROC-3');
    const bad = await exec(['add', 'CP-PROC']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--password');
    expect((await run(['list'], { DATA_DIR: dataDir })).out).toContain('CP-PROC\t3 connector(s)');
  });
});
