import { describe, expect, it } from 'vitest';
import {
  addDays,
  agreementLimit,
  chargeDescription,
  kwhText,
  localDate,
  MAX_DESCRIPTION,
  planDailyCharge,
  startVerdict,
  type FinishedSession
} from './daily-charge.js';

const OSLO = 'Europe/Oslo';

const aFinished = (over: Partial<FinishedSession> = {}): FinishedSession => ({
  id: 's1',
  startedAt: new Date('2026-12-01T07:00:00Z'),
  stoppedAt: new Date('2026-12-01T08:00:00Z'),
  energyWh: 20000,
  costOre: 10000,
  vatRateBp: 2500,
  place: 'Storgata',
  ...over
});

describe('local days (Europe/Oslo)', () => {
  it.each([
    ['winter, just before local midnight', '2026-12-01T22:59:59Z', '2026-12-01'],
    ['winter, local midnight', '2026-12-01T23:00:00Z', '2026-12-02'],
    ['summer, local midnight is 22:00 UTC', '2026-07-01T22:00:00Z', '2026-07-02'],
    ['summer, before it', '2026-07-01T21:59:59Z', '2026-07-01'],
    ['new year', '2026-12-31T23:30:00Z', '2027-01-01']
  ])('%s', (_n, instant, date) => {
    expect(localDate(new Date(instant), OSLO)).toBe(date);
  });

  it.each([
    ['2026-12-01', 1, '2026-12-02'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-03-28', 2, '2026-03-30']
  ])('%s + %i day(s) = %s', (from, days, to) => {
    expect(addDays(from, days)).toBe(to);
  });
});

describe('the charge description', () => {
  it.each([
    // The long form is 52 characters: shortened to fit REC's 45.
    ['2026-12-01', 3, 42737, 'Charging Tue 1 Dec: 3 sessions, 42,7 kWh'],
    ['2026-12-01', 1, 9950, 'Charging Tue 1 Dec: 1 session, 10,0 kWh'],
    ['2026-05-04', 1, 500, 'Charging on Monday 4 May: 1 session, 0,5 kWh'],
    ['2026-09-30', 12, 1142737, 'Charging Wed 30 Sep: 12 sessions, 1142,7 kWh']
  ])('%s, %i sessions, %i Wh → %s', (date, n, wh, text) => {
    expect(chargeDescription(date, n, wh)).toBe(text);
  });

  it('never passes 45 characters', () => {
    for (const n of [1, 9, 99, 999]) {
      for (const wh of [0, 99_999, 9_999_999_999]) expect(chargeDescription('2026-09-30', n, wh).length).toBeLessThanOrEqual(MAX_DESCRIPTION);
    }
  });

  it.each([
    [0, '0,0'],
    [49, '0,0'],
    [50, '0,1'],
    [42737, '42,7'],
    [42750, '42,8']
  ])('%i Wh is %s kWh', (wh, text) => expect(kwhText(wh)).toBe(text));
});

describe('planning the day’s charge', () => {
  it('adds a day’s sessions into one charge with one VAT-split line per session', () => {
    const plan = planDailyCharge(
      '2026-12-01',
      [
        aFinished({ id: 'b', stoppedAt: new Date('2026-12-01T16:00:00Z'), startedAt: new Date('2026-12-01T15:30:00Z'), energyWh: 22737, costOre: 12345 }),
        aFinished({ id: 'a' })
      ],
      OSLO
    );
    expect(plan.kind).toBe('charge');
    if (plan.kind !== 'charge') return;
    const c = plan.charge;
    expect(c.amountOre).toBe(22345);
    expect(c.sessionIds).toEqual(['a', 'b']);
    expect(c.description).toBe('Charging Tue 1 Dec: 2 sessions, 42,7 kWh');
    expect(c.lines.map((l) => [l.id, l.name, l.totalOre, l.netOre, l.vatOre, l.quantity, l.unit])).toEqual([
      ['a', 'Storgata, 08:00–09:00: 20,0 kWh', 10000, 8000, 2000, '20.000', 'KWH'],
      ['b', 'Storgata, 16:30–17:00: 22,7 kWh', 12345, 9876, 2469, '22.737', 'KWH']
    ]);
    expect(c.lines.reduce((s, l) => s + l.totalOre, 0)).toBe(c.amountOre);
    for (const l of c.lines) expect(l.netOre + l.vatOre).toBe(l.totalOre);
  });

  it.each<[string, FinishedSession[], string, number]>([
    ['no sessions', [], 'no-sessions', 0],
    ['only free sessions', [aFinished({ costOre: 0, energyWh: 0 })], 'no-sessions', 0],
    ['below the 1 kr minimum: carried over', [aFinished({ costOre: 99 })], 'below-minimum', 99],
    ['a session of the next day is not due yet', [aFinished({ stoppedAt: new Date('2026-12-01T23:30:00Z') })], 'no-sessions', 0]
  ])('%s', (_n, sessions, reason, total) => {
    expect(planDailyCharge('2026-12-01', sessions, OSLO)).toEqual({ kind: 'nothing', reason, totalOre: total });
  });

  it('takes sessions carried over from earlier days', () => {
    const plan = planDailyCharge('2026-12-02', [aFinished({ id: 'old', costOre: 60 }), aFinished({ id: 'new', stoppedAt: new Date('2026-12-02T10:00:00Z'), costOre: 60 })], OSLO);
    expect(plan.kind === 'charge' && [plan.charge.amountOre, plan.charge.sessionIds]).toEqual([120, ['old', 'new']]);
  });

  it('buckets by the local day of the stop: 00:30 Oslo belongs to the new day', () => {
    const late = aFinished({ id: 'late', startedAt: new Date('2026-12-01T22:00:00Z'), stoppedAt: new Date('2026-12-01T23:30:00Z') });
    expect(planDailyCharge('2026-12-01', [late], OSLO).kind).toBe('nothing');
    expect(planDailyCharge('2026-12-02', [late], OSLO).kind).toBe('charge');
  });
});

describe('the agreement’s limit', () => {
  it.each([
    ['before acceptance: the suggestion', { suggestedMaxAmountOre: 150000 }, 150000],
    ['user chose more', { suggestedMaxAmountOre: 150000, maxAmountOre: 300000 }, 300000],
    ['user chose less: the suggestion still allows the charge', { suggestedMaxAmountOre: 150000, maxAmountOre: 50000 }, 150000]
  ])('%s', (_n, pricing, limit) => expect(agreementLimit(pricing)).toBe(limit));

  it.each<[string, number, number, number, ReturnType<typeof startVerdict>]>([
    ['fresh day', 0, 150000, 1000, { ok: true, budgetOre: 150000 }],
    ['some used', 100000, 150000, 1000, { ok: true, budgetOre: 50000 }],
    ['exactly the minimum left', 149000, 150000, 1000, { ok: true, budgetOre: 1000 }],
    ['less than the minimum left', 149001, 150000, 1000, { ok: false, reason: 'limit-reached', usedOre: 149001, limitOre: 150000 }],
    ['over the limit', 160000, 150000, 1000, { ok: false, reason: 'limit-reached', usedOre: 160000, limitOre: 150000 }],
    ['no minimum: still needs 1 øre', 150000, 150000, 0, { ok: false, reason: 'limit-reached', usedOre: 150000, limitOre: 150000 }]
  ])('%s', (_n, used, limit, min, verdict) => expect(startVerdict(used, limit, min)).toEqual(verdict));
});
