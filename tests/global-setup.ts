// The browser tests need the built PWA; build it once per run when it is missing or stale.
// @ts-expect-error plain ESM helper without types
import { buildPagesIfStale } from '../scripts/build-pages.mjs';
import { requireTestServices } from './test-services.js';

export default async function setup() {
  await requireTestServices();
  buildPagesIfStale({ quiet: true });
}
