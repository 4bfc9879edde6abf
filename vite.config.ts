import { sveltekit } from '@sveltejs/kit/vite';
import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { defineConfig } from 'vitest/config';
import { testServiceEnv } from './tests/test-services.js';
import { paraglideOptions } from './scripts/i18n-options.mjs';
import { wordsPlugin } from './scripts/words-plugin.mjs';

export default defineConfig({
  // The driver's languages: messages/*.json compiled into src/lib/paraglide (generated, not
  // committed; `npm run i18n` does the same for svelte-check). In the browser build each page
  // loads only its own language's words (scripts/words-plugin.mjs).
  plugins: [paraglideVitePlugin(paraglideOptions), wordsPlugin(), sveltekit()],
  test: {
    include: ['server/**/*.test.ts', 'src/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    // PostgreSQL and Redis are part of every run (the local servers unless set otherwise).
    env: testServiceEnv(),
    globalSetup: ['tests/global-setup.ts'],
    // The built PWA (build/) is plain JavaScript for Node: load it natively, not through Vite.
    server: { deps: { external: [/\/build\//] } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests open real ports and databases; keep the two cores for them.
    fileParallelism: true,
    maxWorkers: 2
  }
});
