/**
 * The production start: the server as `npm run build` compiles it runs with plain node (no tsx
 * loader) and with the production dependencies alone, as after
 * `npm ci && npm run build && npm prune --omit=dev && npm start`.
 *
 * Pruning the shared node_modules would break every other test, so the install is laid out in a
 * temp folder instead: package.json, dist/ (compiled here by the build's own script), build/ (the
 * PWA, which the global setup builds, copied) and a node_modules that links only the packages
 * package-lock.json does not mark `"dev": true`, which are exactly those `npm prune --omit=dev`
 * keeps. An import of tsx, vite or any other devDependency then fails as it would in production.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');
const install = mkdtempSync(join(tmpdir(), 'plugpay-production-'));
const dataDir = join(install, 'data');
let child: ChildProcess | undefined;
let stderr = '';

/** The top-level packages of a production install, from the lockfile's own dev markers. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path, meta]) => path.startsWith('node_modules/') && !path.includes('/node_modules/') && !meta.dev)
    .map(([path]) => path.slice('node_modules/'.length))
    // Optional packages for other platforms are in the lockfile but not on this disk.
    .filter((name) => existsSync(join(repo, 'node_modules', name)));
}

function layOutInstall(): void {
  copyFileSync(join(repo, 'package.json'), join(install, 'package.json'));
  cpSync(join(repo, 'build'), join(install, 'build'), { recursive: true });
  for (const name of productionPackages()) {
    const link = join(install, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true }); // the @scope/ folder
    symlinkSync(join(repo, 'node_modules', name), link, 'dir');
  }
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/** Polls `url` until it answers 200; fails at once, with the server's stderr, if it exits. */
async function waitForOk(server: ChildProcess, url: string): Promise<void> {
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`plugpay exited (${server.exitCode ?? server.signalCode}) before ${url} answered:\n${stderr}`);
    }
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  // `npm run build` compiles the server with this script; --out keeps the repo's dist/ untouched
  // (another run of the suite may be using it).
  await promisify(execFile)(process.execPath, [join(repo, 'scripts', 'build-server.mjs'), '--out', join(install, 'dist')], {
    cwd: repo
  });
  layOutInstall();
}, 300_000);

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(install, { recursive: true, force: true });
});

describe('the compiled server', () => {
  it('starts in demo mode with plain node and production dependencies only, serves the API and the PWA, and stops on SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['dist/server/main.js'], {
      cwd: install,
      env: {
        ...process.env,
        // Nothing preloaded: no tsx, whatever the calling shell has set.
        NODE_OPTIONS: '',
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        // Demo mode on the embedded store, even where CI points the other tests at PostgreSQL.
        DATABASE_URL: '',
        REDIS_URL: '',
        VIPPS_BASE_URL: ''
      },
      stdio: ['ignore', 'ignore', 'pipe']
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child!.once('exit', (code) => done(code)));

    await waitForOk(child, `${base}/api/health`);
    // A demo connector: the migrations ran and the demo stations were seeded.
    const connector = await fetch(`${base}/api/connectors/OSL-GRO-01-1`);
    expect(connector.status).toBe(200);
    // A page: the compiled server found build/handler.js from dist/server/.
    const page = await fetch(`${base}/terms`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 180_000);
});
