/**
 * A till's day: what it sold, with the VAT split by rate, and what it gave back. Only money that
 * actually moved counts: captured sales, and refunds that Vipps confirmed. Pure.
 */
import type { Ore } from './money.js';
import type { ReceiptLine } from './receipt.js';
import { CAPTURED_STATES, vatByRate, type SaleState, type VatBucket } from './sale.js';

export interface DaySale {
  tillId: string;
  state: SaleState;
  lines: readonly ReceiptLine[];
  capturedOre: Ore;
}

export interface DayRefund {
  tillId: string;
  byRate: readonly VatBucket[];
}

export interface TillDay {
  tillId: string;
  salesCount: number;
  sales: VatBucket[];
  salesTotal: { grossOre: Ore; netOre: Ore; vatOre: Ore };
  refundsCount: number;
  refunds: VatBucket[];
  refundsTotal: { grossOre: Ore; netOre: Ore; vatOre: Ore };
  /** Sales minus refunds: what the till took in, net of VAT and VAT. */
  takings: { grossOre: Ore; netOre: Ore; vatOre: Ore };
}

const sum = (bs: readonly VatBucket[]) => bs.reduce((a, b) => ({ grossOre: a.grossOre + b.grossOre, netOre: a.netOre + b.netOre, vatOre: a.vatOre + b.vatOre }), { grossOre: 0, netOre: 0, vatOre: 0 });

function merge(buckets: readonly VatBucket[]): VatBucket[] {
  return vatByRate(buckets.map((b) => ({ vatRateBp: b.vatRateBp, totalOre: b.grossOre, netOre: b.netOre, vatOre: b.vatOre })));
}

/** One entry per till that sold or refunded anything, ordered by till id. */
export function tillDays(sales: readonly DaySale[], refunds: readonly DayRefund[]): TillDay[] {
  const tills = [...new Set([...sales.map((s) => s.tillId), ...refunds.map((r) => r.tillId)])].sort();
  return tills.map((tillId) => {
    const sold = sales.filter((s) => s.tillId === tillId && CAPTURED_STATES.includes(s.state));
    const salesBuckets = vatByRate(sold.flatMap((s) => s.lines));
    const given = refunds.filter((r) => r.tillId === tillId);
    const refundBuckets = merge(given.flatMap((r) => r.byRate));
    const st = sum(salesBuckets);
    const rt = sum(refundBuckets);
    return {
      tillId,
      salesCount: sold.length,
      sales: salesBuckets,
      salesTotal: st,
      refundsCount: given.length,
      refunds: refundBuckets,
      refundsTotal: rt,
      takings: { grossOre: st.grossOre - rt.grossOre, netOre: st.netOre - rt.netOre, vatOre: st.vatOre - rt.vatOre }
    };
  });
}
