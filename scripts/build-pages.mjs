// Builds the PWA (vite build) into build/ when it is missing or older than its sources. Used by
// `npm start` and by the test suite's global setup; `npm run build` runs vite build itself.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isStale, root } from './freshness.mjs';

export { root };

export function pagesAreStale() {
  return isStale(join(root, 'build', 'handler.js'), ['src', 'static', 'messages', 'project.inlang/settings.json', 'svelte.config.js', 'vite.config.ts']);
}

export function buildPagesIfStale({ quiet = false } = {}) {
  if (!pagesAreStale()) return;
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  // After `npm prune --omit=dev` vite is gone: say what to do instead of failing to import it.
  if (!existsSync(vite)) {
    throw new Error('build/ (the PWA) is missing or out of date, and vite is not installed: run `npm ci && npm run build` before pruning the devDependencies');
  }
  if (!quiet) console.log('building the PWA (vite build)…');
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', quiet ? 'error' : 'warn'], {
    cwd: root,
    // A production build, whatever the caller's NODE_ENV (vitest sets "test").
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit'
  });
  if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status})`);
}
