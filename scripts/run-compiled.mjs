// Runs the compiled form of a server entry point with plain node, compiling the server first when
// dist/ is missing or out of date. The commands that must also work in a production install,
// where tsx and the other devDependencies are gone, go through here:
//
//   node scripts/run-compiled.mjs server/cli/charger.ts list     runs dist/server/cli/charger.js list
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServerIfStale, distDir } from './build-server.mjs';
import { serverEnv } from './server-env.mjs';

/** Where `tsc -p tsconfig.server.json` puts the JavaScript for `source` (a path from the root). */
export function compiledPath(source) {
  return join(distDir, source.replace(/\.ts$/, '.js'));
}

/** Runs `source`'s compiled form in a child process, and exits with its exit code. */
export function runCompiled(source, args, { cwd = process.cwd() } = {}) {
  // Source maps: stack traces name server/*.ts lines, not dist/ ones.
  const child = spawn(process.execPath, ['--enable-source-maps', compiledPath(source), ...args], { cwd, stdio: 'inherit', env: serverEnv() });
  // A supervisor (systemd, docker) signals only this process; pass it on so plugpay stops cleanly.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [source, ...args] = process.argv.slice(2);
  if (!source) {
    console.error('usage: node scripts/run-compiled.mjs <server/…/entry.ts> [args…]');
    process.exit(2);
  }
  try {
    buildServerIfStale();
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
  runCompiled(source, args);
}
