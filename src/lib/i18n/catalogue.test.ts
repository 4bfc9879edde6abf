import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCALES } from './locales';

/** Every language says everything English says, with the same placeholders. */
const catalogue = (locale: string): Record<string, string> => {
  const { $schema: _schema, ...messages } = JSON.parse(readFileSync(new URL(`../../../messages/${locale}.json`, import.meta.url), 'utf8'));
  return messages;
};
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();

describe('the message catalogue', () => {
  const en = catalogue('en');
  it.each(LOCALES.filter((l) => l !== 'en'))('%s has every message, with the same placeholders, none left in English', (locale) => {
    const other = catalogue(locale);
    expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      expect(placeholders(other[key]), key).toEqual(placeholders(text));
      expect(other[key].trim(), key).not.toBe('');
    }
    // Brand names and pure placeholders may read the same; sentences may not.
    const same = Object.keys(en).filter((k) => other[k] === en[k] && /\s\w+\s\w+/.test(en[k].replace(/\{\w+\}/g, '')));
    expect(same).toEqual([]);
  });
});
