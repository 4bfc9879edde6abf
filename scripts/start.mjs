// `npm start`: build the PWA when it is missing or older than its sources, then run plugpay.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildPagesIfStale, root } from './build-pages.mjs';

try {
  buildPagesIfStale();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}

const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'server', 'main.ts')], { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
