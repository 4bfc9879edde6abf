// Compiles the driver's messages (messages/*.json) into src/lib/paraglide, as the Vite plugin
// does during a build: svelte-check and tsc need the generated modules on a fresh clone.
import { compile } from '@inlang/paraglide-js';
import { paraglideOptions } from './i18n-options.mjs';
import { root } from './freshness.mjs';

process.chdir(root);
try {
  await compile(paraglideOptions);
} catch (err) {
  console.error('compiling the messages failed:', err);
  process.exit(1);
}
// The inlang SDK leaves handles open for half a minute after compiling; nothing is pending.
process.exit(0);
