/**
 * The amount a driver reserves: parsed from what they typed (kroner, Norwegian or English
 * decimals) and checked against the connector's limits. Used by the landing page in the browser
 * and by its form action on the server, so both say the same thing.
 */
export interface ReserveLimits {
  minOre: number;
  maxOre: number;
}

/** Why an amount is refused, for the page to word in the driver's language. */
export type AmountProblem = 'enter-amount' | 'out-of-range' | 'not-an-amount' | 'choose-amount';

/** Pages word `code` in the driver's language (connector-words.ts); no words ride here, so the browser gets none it does not show. */
export type AmountResult = { ok: true; amountOre: number } | { ok: false; code: AmountProblem };

/**
 * Kroner typed by a person → integer øre, or null when it is not a plain amount.
 * Accepts "250", "250,5", "250.50", "kr 250", "1 000" (spaces, incl. no-break, as grouping).
 * At most two decimals; no signs, no exponents.
 * @example parseKroner('216,14') // 21614
 */
export function parseKroner(input: string): number | null {
  let s = input.trim().toLowerCase();
  s = s.replace(/^kr\.?\s*/, '').replace(/\s*(kr|nok),?-?$/, '');
  s = s.replace(/[\s\u00a0\u202f]/g, '');
  s = s.replace(/,-$/, '');
  const m = /^(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(s);
  if (!m) return null;
  const kr = Number(m[1]);
  const ore = m[2] ? Number(m[2].padEnd(2, '0')) : 0;
  return kr * 100 + ore;
}

/** Check an amount in øre against the limits; the page words why not (with the limits). */
export function checkReserveAmount(amountOre: number, limits: ReserveLimits): AmountResult {
  if (!Number.isInteger(amountOre) || amountOre <= 0) {
    return { ok: false, code: 'enter-amount' };
  }
  if (amountOre < limits.minOre || amountOre > limits.maxOre) {
    return { ok: false, code: 'out-of-range' };
  }
  return { ok: true, amountOre };
}

/**
 * The landing form's fields → the amount to reserve. A non-empty custom amount wins over the
 * chosen preset (typing in the box is the most recent thing the driver did).
 */
export function amountFromForm(
  fields: { preset?: string | null; custom?: string | null },
  limits: ReserveLimits
): AmountResult {
  const custom = fields.custom?.trim();
  if (custom) {
    const ore = parseKroner(custom);
    if (ore === null) return { ok: false, code: 'not-an-amount' };
    return checkReserveAmount(ore, limits);
  }
  const preset = fields.preset?.trim();
  if (!preset || preset === 'custom') return { ok: false, code: 'choose-amount' };
  if (!/^\d{1,9}$/.test(preset)) return { ok: false, code: 'choose-amount' };
  return checkReserveAmount(Number(preset), limits);
}
