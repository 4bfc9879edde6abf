import { describe, expect, it } from 'vitest';
import { divRoundHalfUp, MoneyError, splitVat } from './money.js';

describe('divRoundHalfUp', () => {
  it.each([
    [10, 4, 3], // 2.5 → 3
    [9, 4, 2], // 2.25 → 2
    [11, 4, 3], // 2.75 → 3
    [0, 7, 0],
    [-10, 4, -3],
    [21614, 1, 21614]
  ])('%i / %i = %i', (n, d, q) => expect(divRoundHalfUp(n, d)).toBe(q));

  it('refuses floats and zero divisors', () => {
    expect(() => divRoundHalfUp(1.5, 2)).toThrow(MoneyError);
    expect(() => divRoundHalfUp(1, 0)).toThrow(MoneyError);
  });
});

describe('splitVat', () => {
  it.each([
    [12500, 2500, 10000, 2500],
    [21614, 2500, 17291, 4323], // 21614 / 1.25 = 17291.2
    [1, 2500, 1, 0],
    [3, 2500, 2, 1], // VAT 0.6 → 1
    [0, 2500, 0, 0],
    [10000, 0, 10000, 0]
  ])('gross %i at %i bp → net %i + VAT %i', (gross, bp, net, vat) => {
    const r = splitVat(gross, bp);
    expect(r).toEqual({ netOre: net, vatOre: vat });
    expect(r.netOre + r.vatOre).toBe(gross);
  });
  it('refuses an impossible rate', () => expect(() => splitVat(100, 10001)).toThrow(MoneyError));
});
