/**
 * Display formatting for the driver and operator pages. Money arrives as integer øre and is
 * only turned into text here; no arithmetic on floats for money.
 *
 * Norwegian conventions: decimal comma, a no-break space between thousands, "kr" before the
 * amount (`kr 1 234,50`). The no-break spaces keep "kr" and the number on one line.
 */

const NBSP = '\u00a0';

/** Group an integer's digits in threes with no-break spaces: 1234567 → "1 234 567". */
function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
}

/**
 * Kroner from integer øre, always with two decimals.
 * @example formatKr(21614) // "kr 216,14"
 */
export function formatKr(ore: number): string {
  if (!Number.isInteger(ore)) throw new TypeError(`formatKr: øre must be an integer, got ${ore}`);
  const sign = ore < 0 ? '-' : '';
  const abs = Math.abs(ore);
  const kr = Math.floor(abs / 100);
  const rest = String(abs % 100).padStart(2, '0');
  return `${sign}kr${NBSP}${groupThousands(kr)},${rest}`;
}

/**
 * Kroner without decimals when the amount is whole (preset buttons, limits).
 * @example formatKrShort(35000) // "kr 350"
 * @example formatKrShort(35050) // "kr 350,50"
 */
export function formatKrShort(ore: number): string {
  if (Number.isInteger(ore) && ore % 100 === 0) {
    const sign = ore < 0 ? '-' : '';
    return `${sign}kr${NBSP}${groupThousands(Math.abs(ore) / 100)}`;
  }
  return formatKr(ore);
}

function decimal(value: number, digits: number): string {
  const fixed = (Math.round(value * 10 ** digits) / 10 ** digits).toFixed(digits);
  const [int, frac] = fixed.split('.');
  const neg = int.startsWith('-');
  const grouped = groupThousands(Number(neg ? int.slice(1) : int));
  return `${neg ? '-' : ''}${grouped}${frac !== undefined ? ',' + frac : ''}`;
}

/**
 * Energy from watt-hours as kWh with two decimals.
 * @example formatKwh(12345) // "12,35 kWh"
 */
export function formatKwh(wh: number): string {
  return `${decimal(wh / 1000, 2)}${NBSP}kWh`;
}

/**
 * Power from watts as kW with one decimal.
 * @example formatKw(7360) // "7,4 kW"
 */
export function formatKw(w: number): string {
  return `${decimal(w / 1000, 1)}${NBSP}kW`;
}

/**
 * A duration as h:mm:ss (hours are not padded and may exceed 24).
 * @example formatDuration(3725) // "1:02:05"
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

/**
 * A VAT rate from basis points: 2500 → "25 %".
 */
export function formatVatRate(bp: number): string {
  return `${decimal(bp / 100, bp % 100 === 0 ? 0 : 2)}${NBSP}%`;
}

/** Seconds between two instants (ISO strings or epoch ms), never negative. */
export function secondsBetween(from: string | number, to: string | number): number {
  const a = typeof from === 'number' ? from : Date.parse(from);
  const b = typeof to === 'number' ? to : Date.parse(to);
  if (Number.isNaN(a) || Number.isNaN(b)) return 0;
  return Math.max(0, Math.floor((b - a) / 1000));
}

// One address line for a station: shared with the driver's pages, which must not load this module.
export { addressLine } from './address';

const UNIT_WORDS: Record<string, string> = { KWH: 'kWh', MINUTE: 'min', PCS: 'pcs' };

/** A receipt line's quantity for people: "0.028" KWH → "0,028 kWh", "1" PCS → "" (one of it). */
export function formatQuantity(quantity: string, unit?: string): string {
  if (unit === 'PCS' && quantity === '1') return '';
  const q = quantity.replace('.', ',');
  return unit ? `${q} ${UNIT_WORDS[unit] ?? unit.toLowerCase()}` : q;
}
