/**
 * Order lines for a finished session: what the driver sees in the app (Order Management) and on
 * the session page. Lines add up exactly to the captured amount; VAT is split per line.
 */
import { splitVat, type Ore } from './money.js';
import { costOf, type Tariff, type Usage } from './tariff.js';

export interface ReceiptLine {
  id: string;
  name: string;
  totalOre: Ore;
  netOre: Ore;
  vatOre: Ore;
  vatRateBp: number;
  /** Decimal string, e.g. "23.418". */
  quantity?: string;
  unit?: 'PCS' | 'KWH' | 'MINUTE';
  unitPriceOre?: Ore;
}

export interface Receipt {
  lines: ReceiptLine[];
  posId?: string;
  receiptNumber?: string;
}

/** Wh as a kWh decimal string with three decimals: 43228 → "43.228". */
export function kwhQuantity(energyWh: number): string {
  const wh = Math.max(0, Math.trunc(energyWh));
  return `${Math.floor(wh / 1000)}.${String(wh % 1000).padStart(3, '0')}`;
}

/** Seconds as minutes with two decimals: 90 → "1.50". */
function minuteQuantity(seconds: number): string {
  const hundredths = Math.round((Math.max(0, seconds) * 100) / 60);
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

/**
 * Builds the receipt for `usage` under `tariff`. `captureOre` is what is actually captured; it is
 * below the cost only when the cost passed the authorization, and then a discount line says so.
 */
export function buildReceipt(
  tariff: Tariff,
  usage: Usage,
  captureOre: Ore,
  meta: { posId: string; receiptNumber: string }
): Receipt {
  const cost = costOf(tariff, usage);
  const lines: ReceiptLine[] = cost.lines.map((l) => {
    const base = { totalOre: l.totalOre, vatRateBp: tariff.vatRateBp, ...splitVat(l.totalOre, tariff.vatRateBp) };
    switch (l.kind) {
      case 'energy':
        return { id: 'energy', name: 'Charging energy', quantity: kwhQuantity(usage.energyWh), unit: 'KWH', unitPriceOre: tariff.pricePerKwhOre, ...base };
      case 'time':
        return { id: 'time', name: 'Charging time', quantity: minuteQuantity(usage.durationSeconds), unit: 'MINUTE', unitPriceOre: tariff.perMinuteOre, ...base };
      case 'idle':
        return {
          id: 'idle',
          name: 'Idle fee',
          quantity: minuteQuantity(Math.max(0, (usage.idleSeconds ?? 0) - tariff.idleGraceMinutes * 60)),
          unit: 'MINUTE',
          unitPriceOre: tariff.idleFeePerMinuteOre,
          ...base
        };
      case 'start':
        return { id: 'start', name: 'Start fee', quantity: '1', unit: 'PCS', unitPriceOre: tariff.startFeeOre, ...base };
    }
  });
  const shortfall = cost.totalOre - captureOre;
  if (shortfall > 0) {
    const vat = splitVat(shortfall, tariff.vatRateBp);
    lines.push({ id: 'cap', name: 'Limited to the reserved amount', totalOre: -shortfall, netOre: -vat.netOre, vatOre: -vat.vatOre, vatRateBp: tariff.vatRateBp });
  }
  return { lines, posId: meta.posId, receiptNumber: meta.receiptNumber };
}

export function receiptTotals(r: Receipt): { totalOre: Ore; netOre: Ore; vatOre: Ore } {
  return r.lines.reduce((a, l) => ({ totalOre: a.totalOre + l.totalOre, netOre: a.netOre + l.netOre, vatOre: a.vatOre + l.vatOre }), {
    totalOre: 0,
    netOre: 0,
    vatOre: 0
  });
}
