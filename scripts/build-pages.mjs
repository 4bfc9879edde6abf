// Builds the PWA (vite build) when build/ is missing or older than its sources. Used by
// `npm start` and by the test suite's global setup.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

export function pagesAreStale() {
  const built = join(root, 'build', 'handler.js');
  if (!existsSync(built)) return true;
  const sources = ['src', 'static', 'svelte.config.js', 'vite.config.ts'].map((p) => newest(join(root, p)));
  return Math.max(...sources) > statSync(built).mtimeMs;
}

export function buildPagesIfStale({ quiet = false } = {}) {
  if (!pagesAreStale()) return;
  if (!quiet) console.log('building the PWA (vite build)…');
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', quiet ? 'error' : 'warn'], {
    cwd: root,
    // A production build, whatever the caller's NODE_ENV (vitest sets "test").
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit'
  });
  if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status})`);
}
