// `npm start`: build what is missing or out of date (the PWA into build/, the server into dist/),
// then run the compiled server with plain node.
import { buildPagesIfStale, root } from './build-pages.mjs';
import { buildServerIfStale } from './build-server.mjs';
import { runCompiled } from './run-compiled.mjs';

try {
  buildPagesIfStale();
  buildServerIfStale();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}

runCompiled('server/main.ts', process.argv.slice(2), { cwd: root });
