/**
 * What the numbers on the driver's screens say between and before readings. Pure functions of
 * the session and the clock, so they can be tested without a browser.
 */
import type { SessionView, TariffView } from '$lib/shared/api';

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

/** Longest time figures keep moving on their own after the last reading (then they wait). */
export const MAX_EXTRAPOLATION_MS = 30_000;

/**
 * The figures to show `sinceMs` after the last reading arrived: energy and cost move on from
 * the last power reading (the next reading corrects them), never past the reservation. Only
 * while the session charges, the connection is live and the charger is online; otherwise the
 * last reading as it was.
 */
export function extrapolate(s: SessionView, sinceMs: number, live: boolean): { energyWh: number; costOre: number } {
  if (!live || s.state !== 'charging' || !s.chargerOnline || s.powerW <= 0 || sinceMs <= 0) {
    return { energyWh: s.energyWh, costOre: s.costOre };
  }
  const ms = Math.min(sinceMs, MAX_EXTRAPOLATION_MS);
  const extraWh = (s.powerW * ms) / 3_600_000;
  const extraOre = (extraWh * s.tariff.pricePerKwhOre) / 1000 + (s.tariff.perMinuteOre * ms) / 60_000;
  return {
    energyWh: Math.floor(s.energyWh + extraWh),
    costOre: Math.min(Math.max(s.costOre, s.reservedOre), Math.floor(s.costOre + extraOre))
  };
}
