import type { TariffView } from '$lib/shared/api';

/**
 * Roughly how much energy (Wh) a reservation buys: the amount less the start fee, at the
 * energy price. Time-based fees are left out (they depend on how fast the car charges); the page
 * says so. Null when energy is free (nothing to estimate).
 */
export function energyForAmount(amountOre: number, tariff: TariffView): number | null {
  if (tariff.pricePerKwhOre <= 0) return null;
  const forEnergy = Math.max(0, amountOre - tariff.startFeeOre);
  return Math.floor((forEnergy * 1000) / tariff.pricePerKwhOre);
}
