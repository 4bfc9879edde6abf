import { describe, expect, it } from 'vitest';
import { receiptTotals } from './receipt.js';
import {
  basketProblems,
  basketTotal,
  refundByRate,
  saleReceipt,
  saleTransition,
  vatByRate,
  type BasketLine,
  type SaleEvent,
  type SaleMoney,
  type SaleState
} from './sale.js';

const coffee: BasketLine = { itemId: 'coffee', name: 'Coffee', unitPriceOre: 4500, quantity: 2, vatRateBp: 1500 };
const cable: BasketLine = { itemId: 'cable', name: 'Type 2 cable', unitPriceOre: 189900, quantity: 1, vatRateBp: 2500 };

describe('basket', () => {
  it.each<[string, BasketLine[], string[]]>([
    ['a coffee and a cable', [coffee, cable], []],
    ['empty', [], ['empty']],
    ['zero quantity', [{ ...coffee, quantity: 0 }], ['bad-quantity']],
    ['fractional quantity', [{ ...coffee, quantity: 1.5 }], ['bad-quantity']],
    ['float price', [{ ...coffee, unitPriceOre: 45.5 }], ['bad-price']],
    ['unknown VAT rate', [{ ...coffee, vatRateBp: 1200 }], ['bad-vat-rate']],
    ['under 1 kr', [{ ...coffee, unitPriceOre: 50, quantity: 1 }], ['total-too-small']],
    ['over the Vipps maximum', [{ ...cable, unitPriceOre: 40_000_000, quantity: 2 }], ['total-too-large']]
  ])('%s', (_n, lines, kinds) => {
    expect(basketProblems(lines).map((p) => p.kind)).toEqual(kinds);
  });

  it('totals in øre', () => expect(basketTotal([coffee, cable])).toBe(198900));
});

describe('sale receipt', () => {
  const r = saleReceipt([coffee, cable], { posId: 'till-1', receiptNumber: '17' });

  it('carries each line with its own VAT rate, split per line', () => {
    expect(r.lines).toEqual([
      { id: '1-coffee', name: 'Coffee', totalOre: 9000, netOre: 7826, vatOre: 1174, vatRateBp: 1500, quantity: '2', unit: 'PCS', unitPriceOre: 4500 },
      { id: '2-cable', name: 'Type 2 cable', totalOre: 189900, netOre: 151920, vatOre: 37980, vatRateBp: 2500, quantity: '1', unit: 'PCS', unitPriceOre: 189900 }
    ]);
    expect(r.posId).toBe('till-1');
    expect(r.receiptNumber).toBe('17');
  });

  it('adds up to the amount exactly', () => {
    expect(receiptTotals(r)).toEqual({ totalOre: 198900, netOre: 159746, vatOre: 39154 });
  });

  it('groups VAT by rate, highest first', () => {
    expect(vatByRate(r.lines)).toEqual([
      { vatRateBp: 2500, grossOre: 189900, netOre: 151920, vatOre: 37980 },
      { vatRateBp: 1500, grossOre: 9000, netOre: 7826, vatOre: 1174 }
    ]);
  });
});

describe('refund VAT split', () => {
  const lines = saleReceipt([coffee, cable], { posId: 't', receiptNumber: '1' }).lines;

  it.each<[number, number[]]>([
    [198900, [189900, 9000]], // all of it: exactly the sale's buckets
    [9000, [8593, 407]], // proportional: 9000 × 189900/198900 = 8592.76 → 8593 (largest remainder)
    [1, [1]], // one øre goes to the larger remainder
    [0, []]
  ])('refund %i → gross per rate %j', (amount, gross) => {
    const parts = refundByRate(lines, amount);
    expect(parts.map((p) => p.grossOre)).toEqual(gross);
    expect(parts.reduce((s, p) => s + p.grossOre, 0)).toBe(amount);
    for (const p of parts) expect(p.netOre + p.vatOre).toBe(p.grossOre);
  });

  it('refuses more than the sale', () => expect(() => refundByRate(lines, 198901)).toThrow(RangeError));
});

describe('sale transitions', () => {
  const sale = (state: SaleState, over: Partial<SaleMoney> = {}): SaleMoney => ({ state, totalOre: 198900, capturedOre: 0, refundedOre: 0, ...over });
  const captured = (over: Partial<SaleMoney> = {}) => sale('captured', { capturedOre: 198900, ...over });
  // [name, from, event, expected state or 'refused', commands]
  const table: Array<[string, SaleMoney, SaleEvent, SaleState | 'refused', string[]]> = [
    ['sent → waiting', sale('created'), { type: 'sent' }, 'waiting', []],
    ['send failed', sale('created'), { type: 'send-failed' }, 'failed', []],
    ['approved → paid, capture everything', sale('waiting'), { type: 'authorized', amountOre: 198900 }, 'paid', ['capture']],
    ['approved for another amount is refused', sale('waiting'), { type: 'authorized', amountOre: 100 }, 'refused', []],
    ['duplicate authorization', sale('paid'), { type: 'authorized', amountOre: 198900 }, 'paid', []],
    ['late authorization after cancel → release', sale('cancelled'), { type: 'authorized', amountOre: 198900 }, 'cancelled', ['release']],
    ['late authorization after expiry → release', sale('expired'), { type: 'authorized', amountOre: 198900 }, 'expired', ['release']],
    ['rejected in the app', sale('waiting'), { type: 'rejected' }, 'rejected', []],
    ['expired', sale('waiting'), { type: 'expired' }, 'expired', []],
    ['late rejection after approval is ignored', sale('paid'), { type: 'rejected' }, 'paid', []],
    ['cashier cancels a waiting sale', sale('waiting'), { type: 'cancel-requested' }, 'cancelled', ['release']],
    ['cancelling twice is harmless', sale('cancelled'), { type: 'cancel-requested' }, 'cancelled', []],
    ['a paid sale cannot be cancelled', sale('paid'), { type: 'cancel-requested' }, 'refused', []],
    ['a captured sale cannot be cancelled', captured(), { type: 'cancel-requested' }, 'refused', []],
    ['capture confirmed', sale('paid'), { type: 'captured', amountOre: 198900 }, 'captured', []],
    ['capture confirmed twice', captured(), { type: 'captured', amountOre: 198900 }, 'captured', []],
    ['partial refund', captured(), { type: 'refunded', amountOre: 9000 }, 'partly_refunded', ['refund']],
    ['refund of the rest', captured({ state: 'partly_refunded', refundedOre: 9000 }), { type: 'refunded', amountOre: 189900 }, 'refunded', ['refund']],
    ['refund above what is left', captured({ state: 'partly_refunded', refundedOre: 9000 }), { type: 'refunded', amountOre: 189901 }, 'refused', []],
    ['refund of nothing', captured(), { type: 'refunded', amountOre: 0 }, 'refused', []],
    ['refund of a fully refunded sale', captured({ state: 'refunded', refundedOre: 198900 }), { type: 'refunded', amountOre: 1 }, 'refused', []],
    ['refund of an unpaid sale', sale('waiting'), { type: 'refunded', amountOre: 100 }, 'refused', []]
  ];

  it.each(table)('%s', (_name, from, event, state, commands) => {
    const r = saleTransition(from, event);
    if (state === 'refused') {
      expect(r.ok).toBe(false);
      return;
    }
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.sale.state).toBe(state);
    expect(r.commands.map((c) => c.type)).toEqual(commands);
  });

  it('captures the full amount', () => {
    const r = saleTransition(sale('waiting'), { type: 'authorized', amountOre: 198900 });
    expect(r.ok && r.commands).toEqual([{ type: 'capture', amountOre: 198900 }]);
  });
});
