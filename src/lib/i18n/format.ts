/**
 * Numbers, money, energy, power, dates and durations for the driver, in the driver's language,
 * through Intl. Money arrives as integer øre; it becomes text only here, never a float sum.
 */
import { INTL_TAG, type Locale } from './locales';

const NBSP = '\u00a0';
const cache = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: Locale, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) cache.set(key, (f = new Intl.NumberFormat(INTL_TAG[locale], options)));
  return f;
}

function checkOre(ore: number): void {
  if (!Number.isInteger(ore)) throw new TypeError(`money: øre must be an integer, got ${ore}`);
}

/**
 * Kroner from øre with two decimals, as the locale writes money.
 * @example formatMoney(20000, 'nb') // "200,00 kr"
 */
export function formatMoney(ore: number, locale: Locale): string {
  checkOre(ore);
  // Whole øre divided by 100 has at most two decimals: the format shows them exactly.
  return numberFormat(locale, { style: 'currency', currency: 'NOK', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(ore / 100);
}

/** Kroner without decimals when whole (preset buttons, limits): "350 kr". */
export function formatMoneyShort(ore: number, locale: Locale): string {
  checkOre(ore);
  if (ore % 100 !== 0) return formatMoney(ore, locale);
  return numberFormat(locale, { style: 'currency', currency: 'NOK', minimumFractionDigits: 0, maximumFractionDigits: 0 }).format(ore / 100);
}

/** A plain number with a fixed count of decimals. */
export function formatNumber(value: number, locale: Locale, digits = 0): string {
  return numberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** Energy from Wh as kWh with two decimals: "12,35 kWh". */
export function formatKwh(wh: number, locale: Locale): string {
  return `${formatNumber(wh / 1000, locale, 2)}${NBSP}kWh`;
}

/** Power from W as kW with one decimal: "7,4 kW". */
export function formatKw(w: number, locale: Locale): string {
  return `${formatNumber(w / 1000, locale, 1)}${NBSP}kW`;
}

/** A VAT rate from basis points: 2500 → "25 %" (as the locale writes percentages). */
export function formatPercent(bp: number, locale: Locale): string {
  const digits = bp % 100 === 0 ? 0 : 2;
  return numberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(bp / 10000);
}

/** A duration as h:mm:ss, the same in every language (a stopwatch). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Date and time of an instant, in Norway's time zone (where the chargers are). */
export function formatDateTime(iso: string, locale: Locale, timeZone = 'Europe/Oslo'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(INTL_TAG[locale], { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
}

/** A calendar day ("2031-01-15") in words: "onsdag 15. januar" / "Wednesday 15 January". */
export function formatDay(day: string, locale: Locale): string {
  const d = new Date(`${day}T12:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(d.getTime())) return day;
  return new Intl.DateTimeFormat(INTL_TAG[locale], { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(d);
}

/** How long ago, in words: "for 12 sekunder siden" / "12 seconds ago". */
export function formatAgo(seconds: number, locale: Locale): string {
  const s = Math.max(0, Math.round(seconds));
  const rtf = new Intl.RelativeTimeFormat(INTL_TAG[locale], { numeric: 'always', style: 'long' });
  if (s < 90) return rtf.format(-s, 'second');
  if (s < 90 * 60) return rtf.format(-Math.round(s / 60), 'minute');
  return rtf.format(-Math.round(s / 3600), 'hour');
}

/** A receipt line's quantity: "23.418" KWH → "23,418 kWh"; one piece says nothing. */
export function formatQuantity(quantity: string, unit: string | undefined, locale: Locale): string {
  if (unit === 'PCS' && quantity === '1') return '';
  const n = Number(quantity);
  if (!Number.isFinite(n)) return '';
  const digits = quantity.includes('.') ? quantity.split('.')[1].length : 0;
  const text = formatNumber(n, locale, digits);
  if (unit === 'KWH') return `${text}${NBSP}kWh`;
  if (unit === 'MINUTE') return `${text}${NBSP}min`;
  return text;
}
