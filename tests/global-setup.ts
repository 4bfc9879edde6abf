// The browser tests need the built PWA, and the bench harness's test runs the compiled server
// (dist/) as production does: build each once per run, before any test, when missing or stale.
// @ts-expect-error plain ESM helper without types
import { buildPagesIfStale } from '../scripts/build-pages.mjs';
// @ts-expect-error plain ESM helper without types
import { buildServerIfStale } from '../scripts/build-server.mjs';
import { requireTestServices } from './test-services.js';

export default async function setup() {
  await requireTestServices();
  buildPagesIfStale({ quiet: true });
  buildServerIfStale({ quiet: true });
}
