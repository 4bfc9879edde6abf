import { describe, expect, it } from 'vitest';
import { refundByRate, saleReceipt, type BasketLine } from './sale.js';
import { tillDays, type DaySale } from './till-day.js';

const coffee: BasketLine = { itemId: 'coffee', name: 'Coffee', unitPriceOre: 4500, quantity: 1, vatRateBp: 1500 };
const cable: BasketLine = { itemId: 'cable', name: 'Cable', unitPriceOre: 10000, quantity: 1, vatRateBp: 2500 };
const sale = (tillId: string, lines: BasketLine[], state: DaySale['state'] = 'captured'): DaySale => {
  const r = saleReceipt(lines, { posId: tillId, receiptNumber: '1' });
  return { tillId, state, lines: r.lines, capturedOre: state === 'captured' ? r.lines.reduce((s, l) => s + l.totalOre, 0) : 0 };
};

describe('tillDays', () => {
  it('sums captured sales per till with the VAT split by rate, and subtracts refunds', () => {
    const a = sale('till-1', [coffee, cable]);
    const days = tillDays(
      [a, sale('till-1', [coffee]), sale('till-1', [cable], 'rejected'), sale('till-1', [cable], 'waiting'), sale('till-2', [cable])],
      [{ tillId: 'till-1', byRate: refundByRate(a.lines, 4500) }]
    );
    expect(days.map((d) => d.tillId)).toEqual(['till-1', 'till-2']);
    const t1 = days[0]!;
    expect(t1.salesCount).toBe(2);
    expect(t1.sales).toEqual([
      { vatRateBp: 2500, grossOre: 10000, netOre: 8000, vatOre: 2000 },
      { vatRateBp: 1500, grossOre: 9000, netOre: 7826, vatOre: 1174 }
    ]);
    expect(t1.salesTotal).toEqual({ grossOre: 19000, netOre: 15826, vatOre: 3174 });
    expect(t1.refundsCount).toBe(1);
    expect(t1.refundsTotal.grossOre).toBe(4500);
    expect(t1.takings.grossOre).toBe(14500);
    expect(t1.takings.netOre + t1.takings.vatOre).toBe(14500);
    expect(days[1]!.salesTotal.grossOre).toBe(10000);
  });

  it('is empty for a day without sales', () => expect(tillDays([], [])).toEqual([]));
});
