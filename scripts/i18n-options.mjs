// Paraglide JS options, shared by the Vite plugin (vite.config.ts) and `npm run i18n`
// (scripts/i18n.mjs), so both compile the messages the same way.
//
// Locale: plugpay's own strategy (src/hooks.server.ts): the driver's choice (cookie) first, then
// the browser's Accept-Language (no, nn and nb are all Norwegian Bokmål), then English.
export const paraglideOptions = {
  project: './project.inlang',
  outdir: './src/lib/paraglide',
  strategy: ['custom-driver', 'baseLocale'],
  // The server and the browser bundles each keep only their side of the runtime.
  isServer: 'import.meta.env.SSR',
  emitReadme: false,
  // Types for tsc and svelte-check (the generated modules are JavaScript).
  emitTsDeclarations: true
};
