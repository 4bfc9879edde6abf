/**
 * What the numbers on the driver's screens say between and before readings. Pure functions of
 * the session and the clock, so they can be tested without a browser.
 */
import type { SessionView } from '$lib/shared/api';

// The landing page's estimate lives apart, so neither page loads the other's arithmetic.
export { energyForAmount } from './reserve-estimate';

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
