import { describe, expect, it } from 'vitest';
import { maskMsisdn, parsePhoneNumber, type PhoneCountry } from './phone.js';

describe('parsePhoneNumber', () => {
  it.each<[string, PhoneCountry, string, PhoneCountry]>([
    ['91234567', 'NO', '4791234567', 'NO'],
    ['412 34 567', 'NO', '4741234567', 'NO'],
    ['+47 912 34 567', 'DK', '4791234567', 'NO'],
    ['0047 91234567', 'FI', '4791234567', 'NO'],
    ['20 12 34 56', 'DK', '4520123456', 'DK'],
    ['+45 31-12-34-56', 'NO', '4531123456', 'DK'],
    ['040 123 4567', 'FI', '358401234567', 'FI'],
    ['+358 50 123 4567', 'NO', '358501234567', 'FI'],
    ['(040) 1234567', 'FI', '358401234567', 'FI'],
    ['4791234567', 'NO', '4791234567', 'NO'], // an MSISDN without its plus
    ['4520123456', 'NO', '4520123456', 'DK']
  ])('%s (counter in %s) → %s', (input, counter, msisdn, country) => {
    expect(parsePhoneNumber(input, counter)).toEqual({ ok: true, msisdn, country });
  });

  it.each<[string, PhoneCountry, RegExp]>([
    ['', 'NO', /Type/],
    ['2212345', 'NO', /Norwegian/], // 7 digits
    ['22123456', 'NO', /Norwegian/], // a landline
    ['912345678', 'NO', /Norwegian/],
    ['+46 70 123 45 67', 'NO', /Only Norwegian/], // Sweden
    ['+47 9123456a', 'NO', /digits only/],
    ['01234567', 'DK', /Danish/],
    ['09 1234567', 'FI', /Finnish/], // Helsinki landline
    ['+358 4012', 'NO', /Finnish/]
  ])('%s (counter in %s) is refused', (input, counter, reason) => {
    const r = parsePhoneNumber(input, counter);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('fits the ePayment MSISDN pattern', () => {
    for (const n of ['91234567', '+4520123456', '+358401234567']) {
      const r = parsePhoneNumber(n);
      expect(r.ok && /^\d{10,15}$/.test(r.msisdn)).toBe(true);
    }
  });
});

describe('maskMsisdn', () => {
  it.each([
    ['4791234567', '+47 •• •• 45 67'],
    ['358401234567', '+358 •• •• 45 67']
  ])('%s → %s', (m, masked) => expect(maskMsisdn(m)).toBe(masked));
});
