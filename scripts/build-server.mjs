// Compiles the server (server/**/*.ts without its tests, and the src/lib/shared/*.ts it imports)
// file for file into plain JavaScript in dist/, with the TypeScript compiler and
// tsconfig.server.json, so that production runs it with plain node and without devDependencies.
//
//   node scripts/build-server.mjs [--out dir]    builds (part of `npm run build`)
//
// `npm start` and scripts/run-compiled.mjs call buildServerIfStale() instead.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isStale, root } from './freshness.mjs';

export const distDir = join(root, 'dist');

/** What the compiled server is made from (the test files are left out of the build). */
const SOURCES = ['server', 'src/lib/shared', 'tsconfig.server.json'];
const isTest = (path) => path.endsWith('.test.ts');

// Written last, only by a build that succeeded: a half-done build never looks up to date.
const STAMP = '.built';

export function serverIsStale(outDir = distDir) {
  return isStale(join(outDir, STAMP), SOURCES, isTest);
}

/** Compiles into `outDir`, replacing what was there. Throws when the compiler reports errors. */
export function buildServer({ outDir = distDir, quiet = false } = {}) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  // After `npm prune --omit=dev` TypeScript is gone: say what to do instead of failing to load it.
  if (!existsSync(tsc)) {
    throw new Error('dist/ (the compiled server) is missing or out of date, and TypeScript is not installed: run `npm ci && npm run build` before pruning the devDependencies');
  }
  // Progress and compiler errors go to stderr: `npm run charger -- list` may compile first, and
  // its stdout is the list.
  if (!quiet) console.error('compiling the server (tsc -p tsconfig.server.json)…');
  // Sources edited while the compiler runs must make the next start build again, so the stamp
  // carries the time the build started, not the time it ended.
  const startedAt = new Date();
  // Compile next to the output and swap it in at the end, so that files of deleted sources do
  // not linger and a failed build leaves the previous one in place.
  const next = `${outDir}.next`;
  rmSync(next, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.server.json'), '--outDir', next], {
    cwd: root,
    stdio: ['ignore', 2, 2]
  });
  if (r.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    throw new Error(`compiling the server failed (tsc exit ${r.status})`);
  }
  const stamp = join(next, STAMP);
  writeFileSync(stamp, `${startedAt.toISOString()}\n`);
  utimesSync(stamp, startedAt, startedAt);
  rmSync(outDir, { recursive: true, force: true });
  renameSync(next, outDir);
}

export function buildServerIfStale({ quiet = false } = {}) {
  if (serverIsStale()) buildServer({ quiet });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  try {
    buildServer({ outDir: values.out ? resolve(values.out) : distDir });
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
