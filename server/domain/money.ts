/**
 * Money in plugpay is an integer number of øre (minor units) from the tariff to the API call.
 * This module is the only place that rounds, splits VAT or formats an amount.
 */

/** Øre, a safe non-negative-or-negative integer. */
export type Ore = number;

export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

/** Throws unless `value` is a safe integer: floats never carry money here. */
export function assertOre(value: number, what = 'amount'): Ore {
  if (!Number.isSafeInteger(value)) throw new MoneyError(`${what} must be an integer number of øre, got ${value}`);
  return value;
}

/**
 * Divides two non-negative integers and rounds half up (away from zero), the rule used for every
 * price in plugpay: 0.5 øre becomes 1 øre. Works on integers only, so no float error creeps in.
 */
export function divRoundHalfUp(numerator: number, denominator: number): number {
  assertOre(numerator, 'numerator');
  assertOre(denominator, 'denominator');
  if (denominator <= 0) throw new MoneyError('denominator must be positive');
  if (numerator < 0) return -divRoundHalfUp(-numerator, denominator);
  const q = Math.floor(numerator / denominator);
  const r = numerator - q * denominator;
  return 2 * r >= denominator ? q + 1 : q;
}

/**
 * Splits a VAT-inclusive amount into net and VAT at `rateBp` basis points (2500 = 25 %).
 * VAT = gross × rate / (1 + rate), rounded half up; net is the rest, so net + VAT = gross exactly.
 */
export function splitVat(grossOre: Ore, rateBp: number): { netOre: Ore; vatOre: Ore } {
  assertOre(grossOre, 'gross');
  if (!Number.isInteger(rateBp) || rateBp < 0 || rateBp > 10000) throw new MoneyError(`VAT rate ${rateBp} bp is out of range`);
  const vatOre = divRoundHalfUp(grossOre * rateBp, 10000 + rateBp);
  return { netOre: grossOre - vatOre, vatOre };
}
