/**
 * Tariffs and the cost of a charging session. Every component is computed from integers and
 * rounded once, half up, to whole øre (money.ts); the total is the sum of the rounded lines, so
 * the receipt's lines always add up to what is captured.
 */
import { assertOre, divRoundHalfUp, MoneyError, type Ore } from './money.js';

export interface Tariff {
  id: string;
  currency: 'NOK';
  /** Price per kWh including VAT. */
  pricePerKwhOre: Ore;
  /** Charged once per session that delivered energy. */
  startFeeOre: Ore;
  /** Per minute of charging time (start to stop), pro rata per second. */
  perMinuteOre: Ore;
  /** Per minute plugged in without drawing power, after the grace period. */
  idleFeePerMinuteOre: Ore;
  idleGraceMinutes: number;
  /** VAT in basis points: 2500 = 25 %. */
  vatRateBp: number;
}

/** What was used: energy in Wh (integer, from the meter), charging time and idle time in seconds. */
export interface Usage {
  energyWh: number;
  durationSeconds: number;
  idleSeconds?: number;
}

export interface CostLine {
  kind: 'energy' | 'time' | 'idle' | 'start';
  totalOre: Ore;
}

export interface Cost {
  totalOre: Ore;
  lines: CostLine[];
}

export function validateTariff(t: Tariff): Tariff {
  for (const k of ['pricePerKwhOre', 'startFeeOre', 'perMinuteOre', 'idleFeePerMinuteOre'] as const) {
    assertOre(t[k], `tariff ${t.id} ${k}`);
    if (t[k] < 0) throw new MoneyError(`tariff ${t.id} ${k} is negative`);
  }
  if (!Number.isInteger(t.idleGraceMinutes) || t.idleGraceMinutes < 0) throw new MoneyError(`tariff ${t.id} idleGraceMinutes is invalid`);
  if (!Number.isInteger(t.vatRateBp) || t.vatRateBp < 0 || t.vatRateBp > 10000) throw new MoneyError(`tariff ${t.id} VAT rate is invalid`);
  return t;
}

/**
 * The cost of a session. A session that delivered no energy costs nothing: no start fee and no
 * time fee, because nothing was delivered (ARCHITECTURE money rules: cancel, never capture).
 */
export function costOf(tariff: Tariff, usage: Usage): Cost {
  const energyWh = Math.max(0, Math.trunc(usage.energyWh));
  const seconds = Math.max(0, Math.trunc(usage.durationSeconds));
  const idle = Math.max(0, Math.trunc(usage.idleSeconds ?? 0) - tariff.idleGraceMinutes * 60);
  if (energyWh === 0) return { totalOre: 0, lines: [] };
  const lines: CostLine[] = [];
  // Wh × øre/kWh ÷ 1000: exact integer arithmetic, one rounding.
  lines.push({ kind: 'energy', totalOre: divRoundHalfUp(energyWh * tariff.pricePerKwhOre, 1000) });
  if (tariff.perMinuteOre > 0) lines.push({ kind: 'time', totalOre: divRoundHalfUp(seconds * tariff.perMinuteOre, 60) });
  if (tariff.idleFeePerMinuteOre > 0 && idle > 0) lines.push({ kind: 'idle', totalOre: divRoundHalfUp(idle * tariff.idleFeePerMinuteOre, 60) });
  if (tariff.startFeeOre > 0) lines.push({ kind: 'start', totalOre: tariff.startFeeOre });
  return { totalOre: lines.reduce((s, l) => s + l.totalOre, 0), lines };
}

/**
 * Whether to stop now so that the capture can never exceed the reservation: the cost projected
 * `marginIntervals` meter intervals ahead at the current power must stay within the reservation.
 * Two intervals: one until the next sample arrives, one for the stop to take effect.
 */
export function shouldAutoStop(
  tariff: Tariff,
  now: Usage & { powerW: number },
  reservedOre: Ore,
  meterIntervalSeconds: number,
  marginIntervals = 2
): boolean {
  const ahead = meterIntervalSeconds * marginIntervals;
  const extraWh = Math.ceil((Math.max(0, now.powerW) * ahead) / 3600);
  const projected = costOf(tariff, {
    energyWh: Math.max(now.energyWh + extraWh, 1),
    durationSeconds: now.durationSeconds + ahead,
    // An idle car keeps paying the idle fee while it waits.
    idleSeconds: (now.idleSeconds ?? 0) + (now.powerW > 0 ? 0 : ahead)
  });
  return projected.totalOre >= reservedOre;
}
