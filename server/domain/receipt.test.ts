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
    // 50 kWh at 5 kr is 250 kr, but only 200 kr was reserved and captured.
    const r = buildReceipt(aTariff(), { energyWh: 50000, durationSeconds: 60 }, 20000, meta);
    // The energy line still shows what was used at the full price; the limit is its own line.
    expect(r.lines).toEqual([
      expect.objectContaining({ id: 'energy', quantity: '50.000', totalOre: 25000, netOre: 20000, vatOre: 5000 }),
      { id: 'cap', name: 'Limited to the reserved amount', totalOre: -5000, netOre: -4000, vatOre: -1000, vatRateBp: 2500 }
    ]);
    for (const l of r.lines) expect(l.netOre + l.vatOre).toBe(l.totalOre);
    expect(receiptTotals(r)).toEqual({ totalOre: 20000, netOre: 16000, vatOre: 4000 });
  });

  it('adds no such line when the capture covers the cost', () => {
    const r = buildReceipt(aTariff(), { energyWh: 40000, durationSeconds: 60 }, 20000, meta);
    expect(r.lines.map((l) => l.id)).toEqual(['energy']);
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
