import { describe, expect, it } from 'vitest';
import { addressLine, formatDuration, formatKr, formatKrShort, formatKw, formatKwh, formatQuantity, formatVatRate, secondsBetween } from './format';

const nb = (s: string) => s.replace(/\u00a0/g, ' ');

describe('formatKr', () => {
  it.each([
    [21614, 'kr 216,14'],
    [0, 'kr 0,00'],
    [5, 'kr 0,05'],
    [100, 'kr 1,00'],
    [123456, 'kr 1 234,56'],
    [100000000, 'kr 1 000 000,00'],
    [-250, '-kr 2,50']
  ])('%i øre → %s', (ore, text) => expect(nb(formatKr(ore))).toBe(text));

  it('keeps "kr" and the number together with a no-break space', () => {
    expect(formatKr(21614)).toBe('kr\u00a0216,14');
  });

  it('refuses fractions of an øre instead of rounding them away', () => {
    expect(() => formatKr(1.5)).toThrow(TypeError);
  });
});

describe('formatKrShort', () => {
  it.each([
    [35000, 'kr 350'],
    [100000, 'kr 1 000'],
    [35050, 'kr 350,50']
  ])('%i øre → %s', (ore, text) => expect(nb(formatKrShort(ore))).toBe(text));
});

describe('formatKwh / formatKw', () => {
  it.each([
    [0, '0,00 kWh'],
    [12345, '12,35 kWh'],
    [46813, '46,81 kWh'],
    [1234567, '1 234,57 kWh']
  ])('%i Wh → %s', (wh, text) => expect(nb(formatKwh(wh))).toBe(text));

  it.each([
    [0, '0,0 kW'],
    [7360, '7,4 kW'],
    [150000, '150,0 kW'],
    [47649, '47,6 kW']
  ])('%i W → %s', (w, text) => expect(nb(formatKw(w))).toBe(text));
});

describe('formatDuration', () => {
  it.each([
    [0, '0:00:00'],
    [59, '0:00:59'],
    [61, '0:01:01'],
    [3725, '1:02:05'],
    [90000, '25:00:00'],
    [12.9, '0:00:12'],
    [-5, '0:00:00']
  ])('%d s → %s', (s, text) => expect(formatDuration(s)).toBe(text));
});

describe('formatVatRate', () => {
  it('prints whole and fractional rates', () => {
    expect(nb(formatVatRate(2500))).toBe('25 %');
    expect(nb(formatVatRate(1250))).toBe('12,50 %');
  });
});

describe('secondsBetween', () => {
  it('counts whole seconds and never goes negative', () => {
    expect(secondsBetween('2025-01-01T10:00:00Z', '2025-01-01T10:01:01.900Z')).toBe(61);
    expect(secondsBetween('2025-01-01T10:00:00Z', '2025-01-01T09:00:00Z')).toBe(0);
    expect(secondsBetween('not a date', Date.now())).toBe(0);
  });
});

describe('addressLine', () => {
  it('adds the city unless the address already ends with it', () => {
    expect(addressLine('Dronningens gate 1', 'Oslo')).toBe('Dronningens gate 1, Oslo');
    expect(addressLine('Bryggen 15, 5003 Bergen', 'Bergen')).toBe('Bryggen 15, 5003 Bergen');
    expect(addressLine('', 'Oslo')).toBe('Oslo');
  });
});

describe('formatQuantity', () => {
  it.each([
    ['0.028', 'KWH', '0,028 kWh'],
    ['1.50', 'MINUTE', '1,50 min'],
    ['1', 'PCS', ''],
    ['3', 'PCS', '3 pcs'],
    ['2.5', undefined, '2,5']
  ])('%s %s → %s', (q, unit, text) => expect(formatQuantity(q, unit)).toBe(text));
});
