/** A word file of one language (scripts/words-plugin.mjs): `…/_app/immutable/words/<hash>.<locale>.js`. */
const WORD_FILE = /\/words\/[A-Za-z0-9_-]+\.([a-z]{2})\.js$/;

/**
 * Which files SvelteKit preloads for a page (its `preload` option): scripts and stylesheets, as
 * by default, except other languages' words. The page's chunks list their words in all five
 * languages (scripts/words-plugin.mjs), and a page needs only its own.
 */
export function preloadWords(locale: string) {
  return ({ type, path }: { type: 'js' | 'css' | 'font' | 'asset'; path: string }): boolean => {
    if (type === 'css') return true;
    if (type !== 'js') return false;
    const words = WORD_FILE.exec(path);
    return !words || words[1] === locale;
  };
}

