import { describe, expect, it } from 'vitest';
import { osloDayBounds, osloDayOf, osloHour } from './oslo-day.js';

describe('Oslo days', () => {
  it.each([
    ['a winter day: 24 hours from 23:00 UTC', '2031-01-15', '2031-01-14T23:00:00.000Z', '2031-01-15T23:00:00.000Z'],
    ['a summer day: from 22:00 UTC', '2031-07-01', '2031-06-30T22:00:00.000Z', '2031-07-01T22:00:00.000Z'],
    ['the spring change: 23 hours', '2031-03-30', '2031-03-29T23:00:00.000Z', '2031-03-30T22:00:00.000Z'],
    ['the autumn change: 25 hours', '2031-10-26', '2031-10-25T22:00:00.000Z', '2031-10-26T23:00:00.000Z']
  ])('%s', (_label, day, from, to) => {
    const b = osloDayBounds(day);
    expect(b.from.toISOString()).toBe(from);
    expect(b.to.toISOString()).toBe(to);
    expect(osloDayOf(b.from)).toBe(day);
    expect(osloDayOf(new Date(b.to.getTime() - 1))).toBe(day);
  });

  it('gives the hour in Oslo time', () => {
    expect(osloHour(new Date('2031-01-15T23:30:00Z'))).toBe(0);
    expect(osloHour(new Date('2031-07-01T12:30:00Z'))).toBe(14);
  });

  it('refuses what is not a date', () => {
    expect(() => osloDayBounds('2031-02-30')).toThrow(RangeError);
    expect(() => osloDayBounds('yesterday')).toThrow(RangeError);
  });
});
