import { describe, expect, it } from 'vitest';
import { amountFromForm, checkReserveAmount, parseKroner } from './amount';

const limits = { minOre: 10000, maxOre: 100000 };

describe('parseKroner', () => {
  it.each([
    ['250', 25000],
    [' 250 ', 25000],
    ['250,5', 25050],
    ['250,50', 25050],
    ['250.05', 25005],
    ['kr 250', 25000],
    ['250 kr', 25000],
    ['250,-', 25000],
    ['1 000', 100000],
    ['1\u00a0000', 100000]
  ])('%j → %i øre', (input, ore) => expect(parseKroner(input)).toBe(ore));

  it.each(['', 'abc', '-5', '1e3', '2,505', '250,', '12.3.4', '∞'])('%j is not an amount', (input) =>
    expect(parseKroner(input)).toBeNull()
  );
});

describe('checkReserveAmount', () => {
  it('accepts the limits themselves', () => {
    expect(checkReserveAmount(10000, limits)).toEqual({ ok: true, amountOre: 10000 });
    expect(checkReserveAmount(100000, limits)).toEqual({ ok: true, amountOre: 100000 });
  });
  it('says when it is outside the range', () => {
    expect(checkReserveAmount(9999, limits)).toEqual({ ok: false, code: 'out-of-range' });
    expect(checkReserveAmount(100001, limits)).toEqual({ ok: false, code: 'out-of-range' });
  });
  it('rejects zero, negatives and fractions of an øre', () => {
    for (const v of [0, -100, 100.5, Number.NaN]) expect(checkReserveAmount(v, limits).ok).toBe(false);
  });
});

describe('amountFromForm', () => {
  it('takes the preset when no custom amount is typed', () => {
    expect(amountFromForm({ preset: '35000', custom: '' }, limits)).toEqual({ ok: true, amountOre: 35000 });
  });
  it('lets a typed amount win over the preset', () => {
    expect(amountFromForm({ preset: '35000', custom: '420' }, limits)).toEqual({ ok: true, amountOre: 42000 });
  });
  it('checks presets against the limits too (a tampered form)', () => {
    expect(amountFromForm({ preset: '999999', custom: '' }, limits).ok).toBe(false);
    expect(amountFromForm({ preset: '350.5', custom: '' }, limits).ok).toBe(false);
  });
  it('asks for an amount when nothing is chosen', () => {
    expect(amountFromForm({ preset: null, custom: null }, limits)).toEqual({ ok: false, code: 'choose-amount' });
    expect(amountFromForm({ preset: 'custom', custom: '   ' }, limits).ok).toBe(false);
  });
  it('explains a typed amount that is not a number', () => {
    expect(amountFromForm({ preset: '', custom: 'lots' }, limits)).toEqual({ ok: false, code: 'not-an-amount' });
  });
});
