import { describe, expect, it } from 'vitest';
import { aTariff } from '../../tests/helpers/builders.js';
import { buildReceipt, kwhQuantity, receiptTotals } from './receipt.js';

const meta = { posId: 'OSL-1-1', receiptNumber: 'pp-abc' };

describe('buildReceipt', () => {
  it('has one energy line in kWh that adds up to the capture, with 25 % VAT', () => {
    const r = buildReceipt(aTariff(), { energyWh: 43228, durationSeconds: 3000 }, 21614, meta);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatchObject({ id: 'energy', quantity: '43.228', unit: 'KWH', totalOre: 21614, vatOre: 4323, netOre: 17291, vatRateBp: 2500 });
    expect(receiptTotals(r)).toEqual({ totalOre: 21614, netOre: 17291, vatOre: 4323 });
    expect(r.posId).toBe('OSL-1-1');
  });

  it('lists time and start fees as their own lines', () => {
    const r = buildReceipt(aTariff({ perMinuteOre: 60, startFeeOre: 300 }), { energyWh: 1000, durationSeconds: 90 }, 500 + 90 + 300, meta);
    expect(r.lines.map((l) => [l.id, l.quantity, l.totalOre])).toEqual([
      ['energy', '1.000', 500],
      ['time', '1.50', 90],
      ['start', '1', 300]
    ]);
    expect(receiptTotals(r).totalOre).toBe(890);
  });

  it('adds a negative line when the capture was limited to the reservation', () => {
    const r = buildReceipt(aTariff(), { energyWh: 50000, durationSeconds: 60 }, 20000, meta);
    expect(receiptTotals(r).totalOre).toBe(20000);
    const totals = receiptTotals(r);
    expect(totals.netOre + totals.vatOre).toBe(20000);
  });
});

describe('kwhQuantity', () => {
  it.each([
    [0, '0.000'],
    [5, '0.005'],
    [43228, '43.228'],
    [100000, '100.000']
  ])('%i Wh → %s', (wh, q) => expect(kwhQuantity(wh)).toBe(q));
});
