import { describe, expect, it } from 'vitest';
import { kr, parseKr, rate } from './money';

describe('counter money words', () => {
  it.each([
    [198900, '1\u00a0989,00\u00a0kr'],
    [4500, '45,00\u00a0kr'],
    [5, '0,05\u00a0kr'],
    [-4500, '−45,00\u00a0kr']
  ])('%i øre → %s', (ore, words) => expect(kr(ore)).toBe(words));

  it.each([
    ['12,50', 1250],
    ['12.5', 1250],
    ['12', 1200],
    ['1899 kr', 189900],
    ['12,555', null],
    ['-3', null],
    ['abc', null]
  ])('%s → %s', (text, ore) => expect(parseKr(text)).toBe(ore));

  it('rates', () => expect(rate(1500)).toBe('15 %'));
});
