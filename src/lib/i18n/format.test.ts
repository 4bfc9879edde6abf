import { describe, expect, it } from 'vitest';
import { formatAgo, formatDateTime, formatDay, formatDuration, formatKw, formatKwh, formatMoney, formatMoneyShort, formatPercent, formatQuantity } from './format';
import { localeForRequest, pickLocale } from './locales';

/** Intl uses no-break and narrow no-break spaces; compare with plain ones. */
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('money in each language', () => {
  it.each([
    ['nb', 20000, '200,00 kr'],
    ['nb', 123456, '1 234,56 kr'],
    ['sv', 20000, '200,00 Nkr'],
    ['da', 20000, '200,00 NOK'],
    ['fi', 20000, '200,00 NOK'],
    ['en', 20000, 'NOK 200.00']
  ] as const)('%s: %i øre → %s', (locale, ore, text) => expect(plain(formatMoney(ore, locale))).toBe(text));

  it('drops the decimals of whole kroner only where it is asked to', () => {
    expect(plain(formatMoneyShort(35000, 'nb'))).toBe('350 kr');
    expect(plain(formatMoneyShort(35050, 'nb'))).toBe('350,50 kr');
  });

  it('refuses fractions of an øre instead of rounding them away', () => {
    expect(() => formatMoney(1.5, 'nb')).toThrow(TypeError);
  });
});

describe('units and dates', () => {
  it('writes energy, power and percentages with the locale\'s decimal mark', () => {
    expect(plain(formatKwh(12345, 'nb'))).toBe('12,35 kWh');
    expect(plain(formatKwh(12345, 'en'))).toBe('12.35 kWh');
    expect(plain(formatKw(150000, 'fi'))).toBe('150,0 kW');
    expect(plain(formatPercent(2500, 'nb'))).toBe('25 %');
    expect(plain(formatPercent(2500, 'en'))).toBe('25%');
  });

  it('writes a stopwatch the same way everywhere', () => {
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('dates a receipt in Norwegian time', () => {
    // 13:05 UTC in winter is 14:05 in Oslo.
    expect(formatDateTime('2031-01-15T13:05:00Z', 'nb')).toMatch(/14[:.]05/);
    expect(formatDateTime('2031-01-15T13:05:00Z', 'en')).toMatch(/15 Jan 2031/);
  });

  it('says how old a figure is', () => {
    expect(formatAgo(12, 'en')).toBe('12 seconds ago');
    expect(formatAgo(12, 'nb')).toMatch(/12 sekunder siden/);
    expect(formatAgo(600, 'en')).toBe('10 minutes ago');
  });

  it('words receipt quantities', () => {
    expect(plain(formatQuantity('23.418', 'KWH', 'nb'))).toBe('23,418 kWh');
    expect(formatQuantity('1', 'PCS', 'nb')).toBe('');
  });
});

describe('pickLocale', () => {
  it.each([
    ['nb-NO,nb;q=0.9,en;q=0.8', 'nb'],
    ['no', 'nb'],
    ['nn-NO', 'nb'],
    ['sv-SE', 'sv'],
    ['da', 'da'],
    ['fi-FI,fi;q=0.9', 'fi'],
    ['en-US,en;q=0.9', 'en'],
    ['de-DE,da;q=0.5,en;q=0.4', 'da'],
    ['en;q=0.2,sv;q=0.8', 'sv'],
    ['de-DE', undefined],
    ['', undefined],
    ['sv;q=0', undefined]
  ])('%s → %s', (header, locale) => expect(pickLocale(header)).toBe(locale));
});

describe('localeForRequest', () => {
  it('takes the driver\'s choice over the browser\'s languages, and English when neither helps', () => {
    expect(localeForRequest('a=1; PARAGLIDE_LOCALE=fi; b=2', 'nb-NO')).toBe('fi');
    expect(localeForRequest('PARAGLIDE_LOCALE=de', 'sv-SE,en;q=0.5')).toBe('sv');
    expect(localeForRequest(null, 'de-DE')).toBe('en');
    expect(localeForRequest(undefined, undefined)).toBe('en');
  });
});

describe('formatDay', () => {
  it('words a calendar day in each language, the same day everywhere', () => {
    expect(formatDay('2031-01-15', 'nb')).toBe('onsdag 15. januar');
    expect(formatDay('2031-01-15', 'en')).toBe('Wednesday 15 January');
    expect(formatDay('2031-01-15', 'sv')).toMatch(/onsdag 15 januari/);
    expect(formatDay('2031-01-15', 'fi')).toMatch(/keskiviikko/);
  });
  it('leaves anything that is not a day as it is', () => {
    expect(formatDay('yesterday', 'en')).toBe('yesterday');
  });
});
