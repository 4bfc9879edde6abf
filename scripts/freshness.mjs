// When is a build out of date? Shared by the PWA build (build/) and the server build (dist/).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (scripts/..), whatever the caller's working directory. */
export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The newest modification time under `path`, folders included (deleting a file changes its
 * folder's time, and must count as a change too); 0 when `path` does not exist. Files for which
 * `ignore(path)` is true do not count.
 */
export function newestMtime(path, ignore = () => false) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return ignore(path) ? 0 : st.mtimeMs;
  let t = st.mtimeMs;
  for (const e of readdirSync(path)) t = Math.max(t, newestMtime(join(path, e), ignore));
  return t;
}

/** True when `output` is missing or older than anything in `sources` (paths from the root). */
export function isStale(output, sources, ignore) {
  if (!existsSync(output)) return true;
  const newest = Math.max(...sources.map((p) => newestMtime(join(root, p), ignore)));
  return newest > statSync(output).mtimeMs;
}
