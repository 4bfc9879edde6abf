// Per-locale words for the browser (a Vite plugin, client build only).
//
// Paraglide compiles each message into one module holding all five languages' versions and
// picks one when it is called, so a page ships every language of every message it uses. In the
// browser only the page's own language is ever needed (it is fixed per page: `<html lang>`).
//
// So, in the client build:
//  - each message module becomes a stub that looks its words up by id: `m.foo(inputs)` calls
//    `globalThis.__plugpayWords.foo(inputs)`;
//  - for each output chunk that contains message stubs, the five languages' versions of exactly
//    those messages go into five small files (`_app/immutable/words/<hash>.<locale>.js`), and
//    the chunk starts by importing the page's language's file (a top-level await: the chunk's
//    code, and so the page's hydration, waits for its words).
//  - Paraglide's runtime (strategies, cookies, URL patterns) becomes the little the pages use:
//    the page's language is `<html lang>`, which the server set (src/hooks.client.ts says the
//    same for `vite dev`, where this plugin does not run).
// The server build keeps Paraglide's modules as they are (every language, chosen per request).
// A message module the plugin cannot read is left as it is, so a change in Paraglide's output
// costs bytes, never words.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MESSAGE_MODULE = /[\\/]src[\\/]lib[\\/]paraglide[\\/]messages[\\/](?!_index)([A-Za-z0-9_]+)\.js$/;
const LOCALE_FN = /const (en|nb|sv|da|fi)_([A-Za-z0-9_]+) = \/\*\*[\s\S]*?\*\/ (\(\w*\)) => \{\s*return \/\*\*[\s\S]*?\*\/ \((`(?:[^`\\]|\\[\s\S])*`)\)\s*\};/g;
const RUNTIME_MODULE = /[\\/]src[\\/]lib[\\/]paraglide[\\/]runtime\.js$/;
const LOCALES = ['nb', 'sv', 'da', 'fi', 'en'];
const WORD_MODULE = 'virtual:plugpay-word';
const RESOLVED_WORD_MODULE = '\0' + WORD_MODULE;
const BROWSER_RUNTIME = `export const baseLocale = "en";
export const locales = ${JSON.stringify(LOCALES)};
export const isLocale = (l) => locales.includes(l);
export const getLocale = () => { const l = document.documentElement.lang; return isLocale(l) ? l : baseLocale; };
export const overwriteGetLocale = () => {};
`;
const DIR = '_app/immutable/words';
/** The words import a chunk starts with (renderChunk below), after minifying: its hash. */
const WORDS_IMPORT = /words\/([A-Za-z0-9_-]{10})\.\$\{/;

/** @returns {import('vite').Plugin} */
export function wordsPlugin() {
  /** message id → locale → function source `(i) => \`…\`` */
  const words = new Map();
  /** word files emitted: fileName → source */
  const files = new Map();

  return {
    name: 'plugpay-words',
    apply: 'build',
    resolveId(id) {
      return id === WORD_MODULE ? RESOLVED_WORD_MODULE : null;
    },
    load(id) {
      // One message's words, looked up when it is called (its chunk has loaded them by then).
      return id === RESOLVED_WORD_MODULE ? 'export const word = (id) => (inputs = {}) => globalThis.__plugpayWords[id](inputs);\n' : null;
    },
    transform(code, id, options) {
      if (options?.ssr || this.environment?.config?.consumer === 'server') return null;
      if (RUNTIME_MODULE.test(id)) return { code: BROWSER_RUNTIME, map: null };
      const match = MESSAGE_MODULE.exec(id);
      if (!match) return null;
      const name = match[1];
      const exported = new RegExp(`export const ${name} = `).test(code);
      const perLocale = {};
      for (const m of code.matchAll(LOCALE_FN)) if (m[2] === name) perLocale[m[1]] = `${m[3]}=>${m[4]}`;
      if (!exported || LOCALES.some((l) => !perLocale[l])) {
        this.warn(`plugpay-words: ${name} left with all its languages (unexpected shape)`);
        return null;
      }
      words.set(name, perLocale);
      // `options.locale` is not honoured in the browser: a page only ever has its own words.
      return { code: `import { word } from ${JSON.stringify(WORD_MODULE)};\nexport const ${name} = /* @__PURE__ */ word(${JSON.stringify(name)});\n`, map: null };
    },
    renderChunk(code, chunk) {
      if (this.environment?.config?.consumer === 'server') return null;
      const ids = chunk.moduleIds
        .filter((id) => (chunk.modules?.[id]?.renderedLength ?? 1) > 0)
        .map((id) => MESSAGE_MODULE.exec(id)?.[1])
        .filter((name) => name !== undefined && words.has(name))
        .sort();
      if (ids.length === 0) return null;
      const sources = LOCALES.map((locale) => {
        const body = ids.map((name) => `${JSON.stringify(name)}:${words.get(name)[locale]}`).join(',');
        return [locale, `Object.assign(globalThis.__plugpayWords??={},{${body}});\n`];
      });
      const hash = createHash('sha256')
        .update(sources.map(([, s]) => s).join('\n'))
        .digest('base64url')
        .slice(0, 10);
      for (const [locale, source] of sources) {
        const fileName = `${DIR}/${hash}.${locale}.js`;
        if (!files.has(fileName)) this.emitFile({ type: 'asset', fileName, source });
        files.set(fileName, source);
        // Listed with the chunk in Vite's manifest, so the service worker precaches the words
        // with the rest of the app (SvelteKit builds its `build` list from that manifest).
        chunk.viteMetadata?.importedAssets.add(fileName);
      }
      // Chunks sit in _app/immutable/{chunks,nodes,entry}: the words are one folder up.
      const depth = chunk.fileName.split('/').length - 1;
      const up = depth > 2 ? '../'.repeat(depth - 2) : './';
      const load =
        `{const l=document.documentElement.lang;` +
        `await import(/* @vite-ignore */\`${up}words/${hash}.\${${JSON.stringify(LOCALES)}.includes(l)?l:"en"}.js\`)}\n`;
      return { code: load + code, map: null };
    },
    // The words a page needs are listed as its chunks' imports in Vite's manifest, so that
    // SvelteKit preloads them with the chunks (Link header and modulepreload tags) instead of a
    // round trip later. All five languages are listed; the server keeps only the page's own
    // (`preloadWords` in src/hooks.server.ts). SvelteKit reads the manifest from disk after the
    // client build, so rewriting it here is in time.
    writeBundle(options, bundle) {
      if (this.environment?.config?.consumer === 'server' || !options.dir) return;
      const file = join(options.dir, '.vite', 'manifest.json');
      if (!existsSync(file)) return;
      const hashOf = new Map();
      for (const out of Object.values(bundle)) {
        if (out.type !== 'chunk') continue;
        const m = WORDS_IMPORT.exec(out.code);
        if (m) hashOf.set(out.fileName, m[1]);
      }
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      for (const entry of Object.values(manifest)) {
        const hash = hashOf.get(entry.file);
        if (!hash) continue;
        const keys = LOCALES.map((locale) => `${DIR}/${hash}.${locale}.js`);
        for (const key of keys) manifest[key] ??= { file: key };
        entry.imports = [...new Set([...(entry.imports ?? []), ...keys])];
      }
      writeFileSync(file, JSON.stringify(manifest, null, 2));
    }
  };
}
