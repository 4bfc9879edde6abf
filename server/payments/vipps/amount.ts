/**
 * The one place where plugpay's øre become a Vipps `Amount` and back. Vipps amounts are minor
 * units too (`Amount.value`, integer, "10.00 NOK should be written as 1000"; epayment-v1.yml), so
 * this is a wrapping, never a scaling; it still refuses anything that is not a whole øre.
 */
import { assertOre, type Ore } from '../../domain/money.js';
import type { Amount } from './schemas.js';

export type Currency = Amount['currency'];

export function toAmount(ore: Ore, currency: Currency = 'NOK'): Amount {
  assertOre(ore);
  if (ore < 0) throw new RangeError(`amount must not be negative, got ${ore} øre`);
  return { currency, value: ore };
}

export function fromAmount(amount: Amount, currency: Currency = 'NOK'): Ore {
  if (amount.currency !== currency) throw new RangeError(`expected an amount in ${currency}, got ${amount.currency}`);
  return assertOre(amount.value);
}
