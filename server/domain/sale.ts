/**
 * A sale at a charging hub's counter: a basket of catalogue items, paid with a payment request
 * pushed to the customer's phone (Vipps MobilePay "In-store payments", API-NOTES §12 flow C).
 *
 * Pure: no I/O, no clock. Every amount is integer øre and every line carries its own VAT rate,
 * because Norwegian VAT differs by item (25 % standard, 15 % food and drink).
 */
import { assertOre, splitVat, type Ore } from './money.js';
import type { Receipt, ReceiptLine } from './receipt.js';

/** VAT rates in basis points (2500 = 25 %), the scale Order Management calls `taxRate`. */
export const VAT_RATES = { standard: 2500, food: 1500, none: 0 } as const;
export const vatRatesBp: readonly number[] = Object.values(VAT_RATES);

/** Vipps refuses payments under 1.00 (TK; error 6010) and above 650 000.00 (EP `Amount`). */
export const MIN_SALE_ORE = 100;
export const MAX_SALE_ORE = 65_000_000;
export const MAX_LINES = 50;
export const MAX_QUANTITY = 99;

export interface BasketLine {
  itemId: string;
  name: string;
  unitPriceOre: Ore;
  quantity: number;
  vatRateBp: number;
}

export type BasketProblem =
  | { kind: 'empty' }
  | { kind: 'too-many-lines'; max: number }
  | { kind: 'bad-quantity'; itemId: string }
  | { kind: 'bad-price'; itemId: string }
  | { kind: 'bad-vat-rate'; itemId: string }
  | { kind: 'total-too-small'; minOre: Ore }
  | { kind: 'total-too-large'; maxOre: Ore };

/** Every reason the basket cannot be sent, in the order they are checked; [] when it can. */
export function basketProblems(lines: readonly BasketLine[]): BasketProblem[] {
  if (lines.length === 0) return [{ kind: 'empty' }];
  if (lines.length > MAX_LINES) return [{ kind: 'too-many-lines', max: MAX_LINES }];
  const out: BasketProblem[] = [];
  for (const l of lines) {
    if (!Number.isInteger(l.quantity) || l.quantity < 1 || l.quantity > MAX_QUANTITY) out.push({ kind: 'bad-quantity', itemId: l.itemId });
    if (!Number.isSafeInteger(l.unitPriceOre) || l.unitPriceOre < 0) out.push({ kind: 'bad-price', itemId: l.itemId });
    if (!vatRatesBp.includes(l.vatRateBp)) out.push({ kind: 'bad-vat-rate', itemId: l.itemId });
  }
  if (out.length > 0) return out;
  const total = basketTotal(lines);
  if (total < MIN_SALE_ORE) return [{ kind: 'total-too-small', minOre: MIN_SALE_ORE }];
  if (total > MAX_SALE_ORE) return [{ kind: 'total-too-large', maxOre: MAX_SALE_ORE }];
  return [];
}

export function basketTotal(lines: readonly BasketLine[]): Ore {
  return lines.reduce((sum, l) => sum + assertOre(l.unitPriceOre * l.quantity, `line ${l.itemId}`), 0);
}

/**
 * The receipt sent with the payment request (ePayment `receipt`, Order Management `Receipt`):
 * one line per basket line, VAT split per line, so the lines add up to the amount exactly.
 * `posId` names the till and `receiptNumber` is the till's own running number (BottomLine).
 */
export function saleReceipt(lines: readonly BasketLine[], meta: { posId: string; receiptNumber: string }): Receipt {
  const out: ReceiptLine[] = lines.map((l, i) => {
    const totalOre = l.unitPriceOre * l.quantity;
    return {
      // Order lines need an id; the same item may appear twice in a basket, so the position counts.
      id: `${i + 1}-${l.itemId}`.slice(0, 64),
      name: l.name,
      totalOre,
      vatRateBp: l.vatRateBp,
      ...splitVat(totalOre, l.vatRateBp),
      quantity: String(l.quantity),
      unit: 'PCS',
      unitPriceOre: l.unitPriceOre
    };
  });
  return { lines: out, posId: meta.posId, receiptNumber: meta.receiptNumber };
}

/** Totals per VAT rate, highest rate first. */
export interface VatBucket {
  vatRateBp: number;
  grossOre: Ore;
  netOre: Ore;
  vatOre: Ore;
}

export function vatByRate(lines: readonly Pick<ReceiptLine, 'vatRateBp' | 'totalOre' | 'netOre' | 'vatOre'>[]): VatBucket[] {
  const m = new Map<number, VatBucket>();
  for (const l of lines) {
    const b = m.get(l.vatRateBp) ?? { vatRateBp: l.vatRateBp, grossOre: 0, netOre: 0, vatOre: 0 };
    b.grossOre += l.totalOre;
    b.netOre += l.netOre;
    b.vatOre += l.vatOre;
    m.set(l.vatRateBp, b);
  }
  return [...m.values()].sort((a, b) => b.vatRateBp - a.vatRateBp);
}

/**
 * Splits a refund of `amountOre` over the sale's VAT rates in proportion to what each rate
 * contributed (largest remainder, so the parts add up to the refund exactly), then splits each
 * part into net and VAT at its rate. A refund of the whole sale gives back exactly its buckets.
 */
export function refundByRate(lines: readonly ReceiptLine[], amountOre: Ore): VatBucket[] {
  assertOre(amountOre, 'refund');
  const buckets = vatByRate(lines);
  const total = buckets.reduce((s, b) => s + b.grossOre, 0);
  if (amountOre < 0 || amountOre > total) throw new RangeError(`refund ${amountOre} is outside 0…${total}`);
  if (total === 0) return [];
  const shares = buckets.map((b) => {
    const exact = b.grossOre * amountOre;
    return { b, floor: Math.floor(exact / total), rest: exact % total };
  });
  let left = amountOre - shares.reduce((s, x) => s + x.floor, 0);
  for (const x of [...shares].sort((p, q) => q.rest - p.rest || q.b.vatRateBp - p.b.vatRateBp)) {
    if (left === 0) break;
    x.floor += 1;
    left -= 1;
  }
  return shares
    .filter((x) => x.floor > 0)
    .map((x) => ({ vatRateBp: x.b.vatRateBp, grossOre: x.floor, ...splitVat(x.floor, x.b.vatRateBp) }));
}

// ─── The sale's life ────────────────────────────────────────────────────────────────────────

/**
 * created ──sent──▶ waiting ──authorized──▶ paid ──captured──▶ captured ──refunded──▶ partly_refunded / refunded
 *    │                 ├──rejected──▶ rejected
 *    └──send-failed──▶ failed        ├──expired───▶ expired
 *                      └──cancel────▶ cancelled
 * A late authorization of a sale that already ended is released, never captured: the customer
 * left without the goods.
 */
export type SaleState = 'created' | 'waiting' | 'paid' | 'captured' | 'partly_refunded' | 'refunded' | 'rejected' | 'expired' | 'cancelled' | 'failed';

export const FINAL_UNPAID: readonly SaleState[] = ['rejected', 'expired', 'cancelled', 'failed'];
export const CAPTURED_STATES: readonly SaleState[] = ['captured', 'partly_refunded', 'refunded'];

export interface SaleMoney {
  state: SaleState;
  totalOre: Ore;
  capturedOre: Ore;
  refundedOre: Ore;
}

export type SaleEvent =
  | { type: 'sent' }
  | { type: 'send-failed' }
  | { type: 'authorized'; amountOre: Ore }
  | { type: 'rejected' }
  | { type: 'expired' }
  | { type: 'cancel-requested' }
  | { type: 'captured'; amountOre: Ore }
  | { type: 'refunded'; amountOre: Ore };

export type SaleCommand = { type: 'capture'; amountOre: Ore } | { type: 'release' } | { type: 'refund'; amountOre: Ore };

export type SaleTransition =
  | { ok: true; sale: SaleMoney; commands: SaleCommand[]; changed: boolean }
  | { ok: false; reason: string };

const same = (sale: SaleMoney): SaleTransition => ({ ok: true, sale, commands: [], changed: false });
const to = (sale: SaleMoney, patch: Partial<SaleMoney>, commands: SaleCommand[] = []): SaleTransition => ({
  ok: true,
  sale: { ...sale, ...patch },
  commands,
  changed: true
});

/** `(sale, event) → (sale, commands)`. Duplicates are harmless; impossible requests are refused. */
export function saleTransition(sale: SaleMoney, event: SaleEvent): SaleTransition {
  switch (event.type) {
    case 'sent':
      return sale.state === 'created' ? to(sale, { state: 'waiting' }) : same(sale);
    case 'send-failed':
      return sale.state === 'created' ? to(sale, { state: 'failed' }) : same(sale);
    case 'authorized':
      if (sale.state === 'waiting' || sale.state === 'created') {
        // Goods are handed over at once, so the whole amount is captured at once (flow C.3).
        if (event.amountOre !== sale.totalOre) return { ok: false, reason: `authorized ${event.amountOre} differs from the sale's ${sale.totalOre}` };
        return to(sale, { state: 'paid' }, [{ type: 'capture', amountOre: sale.totalOre }]);
      }
      if (FINAL_UNPAID.includes(sale.state)) return { ok: true, sale, commands: [{ type: 'release' }], changed: false };
      return same(sale);
    case 'rejected':
      return sale.state === 'waiting' ? to(sale, { state: 'rejected' }) : same(sale);
    case 'expired':
      return sale.state === 'waiting' ? to(sale, { state: 'expired' }) : same(sale);
    case 'cancel-requested':
      if (sale.state === 'waiting' || sale.state === 'created') return to(sale, { state: 'cancelled' }, [{ type: 'release' }]);
      if (sale.state === 'cancelled') return same(sale);
      return { ok: false, reason: `a ${sale.state} sale cannot be cancelled${CAPTURED_STATES.includes(sale.state) ? '; refund it instead' : ''}` };
    case 'captured':
      if (sale.state !== 'paid') return same(sale);
      if (event.amountOre !== sale.totalOre) return { ok: false, reason: `captured ${event.amountOre} differs from the sale's ${sale.totalOre}` };
      return to(sale, { state: 'captured', capturedOre: event.amountOre });
    case 'refunded': {
      if (!CAPTURED_STATES.includes(sale.state) || sale.state === 'refunded') return { ok: false, reason: `a ${sale.state} sale cannot be refunded` };
      const left = sale.capturedOre - sale.refundedOre;
      if (!Number.isSafeInteger(event.amountOre) || event.amountOre < 1 || event.amountOre > left) {
        return { ok: false, reason: `a refund must be between 0,01 and ${(left / 100).toFixed(2)} kr` };
      }
      const refundedOre = sale.refundedOre + event.amountOre;
      return to(sale, { state: refundedOre === sale.capturedOre ? 'refunded' : 'partly_refunded', refundedOre }, [{ type: 'refund', amountOre: event.amountOre }]);
    }
  }
}
