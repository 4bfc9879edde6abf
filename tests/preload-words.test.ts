import { describe, expect, it } from 'vitest';
import { preloadWords } from '../src/lib/server/preload-words.js';

describe('preloadWords', () => {
  const nb = preloadWords('nb');
  it('keeps scripts and stylesheets, as SvelteKit does by default, and drops fonts and other assets', () => {
    expect(nb({ type: 'js', path: '/_app/immutable/chunks/BxY1.js' })).toBe(true);
    expect(nb({ type: 'css', path: '/_app/immutable/assets/0.css' })).toBe(true);
    expect(nb({ type: 'font', path: '/_app/immutable/assets/a.woff2' })).toBe(false);
    expect(nb({ type: 'asset', path: '/_app/immutable/assets/a.png' })).toBe(false);
  });
  it("preloads the page's own language's words, not the other four", () => {
    expect(nb({ type: 'js', path: './_app/immutable/words/aB3_-x9ZqQ.nb.js' })).toBe(true);
    for (const other of ['sv', 'da', 'fi', 'en']) expect(nb({ type: 'js', path: `./_app/immutable/words/aB3_-x9ZqQ.${other}.js` })).toBe(false);
  });
});
