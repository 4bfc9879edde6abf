/**
 * What a charger says about time and energy, held to bounds before it is billed. A charger's
 * clock drifts, its firmware has bugs, and anyone holding its password can speak for it; the
 * driver's money must not follow it blindly. Pure: every instant arrives as an argument.
 *
 * Rules, in the order they apply:
 * 1. Time is plugpay's. A charger's timestamp is used only where it lies between the earliest
 *    moment the event could have happened and the moment plugpay received it (a message queued
 *    while the charger was offline, OCPP 1.6 §3.16). Outside that window the charger's clock is
 *    wrong (hours off, or never set), so the moment plugpay received the message is used.
 * 2. Energy is the larger of the register difference (meterStop − meterStart) and what the
 *    samples showed, because a register that went backwards or was reset must not make energy
 *    free, and samples already shown to the driver are not taken back.
 * 3. Energy is never more than the connector can physically deliver in the time: its rated power
 *    over the elapsed time, with a margin for meter accuracy (OCPP meters are class 1–2, ±2 %).
 * Every correction is named in an anomaly, so the service logs it and the operator sees it.
 */

export type Anomaly =
  | 'timestamp-before-window'
  | 'timestamp-after-receipt'
  | 'register-below-start'
  | 'register-below-samples'
  | 'energy-above-physical'
  | 'no-power-rating';

/** A charger's clock may differ from ours by this much before we call it out (NTP-less chargers drift). */
export const CLOCK_TOLERANCE_MS = 60_000;

/** Rated power × time, plus a margin: 5 % for meter class and rounding, and 50 Wh for register steps. */
const PHYSICAL_MARGIN = 1.05;
const PHYSICAL_SLACK_WH = 50;

export interface Clamped<T> {
  value: T;
  anomalies: Anomaly[];
}

/**
 * The instant to bill for a charger's timestamp: its own, if it lies in `[earliest, receivedAt]`;
 * a little outside (clock jitter, CLOCK_TOLERANCE_MS) the nearest end of that window; far outside,
 * the moment plugpay received it. Mapping a skewed clock to the window's start instead would
 * squeeze a whole session into an instant.
 *
 * @example
 * clampInstant(new Date('2099-01-01'), start, now).value // → now
 */
export function clampInstant(claimed: Date, earliest: Date, receivedAt: Date): Clamped<Date> {
  const lo = Math.min(earliest.getTime(), receivedAt.getTime());
  const hi = receivedAt.getTime();
  const t = claimed.getTime();
  if (!Number.isFinite(t)) return { value: new Date(hi), anomalies: ['timestamp-after-receipt'] };
  if (t > hi) return { value: new Date(hi), anomalies: t - hi > CLOCK_TOLERANCE_MS ? ['timestamp-after-receipt'] : [] };
  if (t < lo) return lo - t > CLOCK_TOLERANCE_MS ? { value: new Date(hi), anomalies: ['timestamp-before-window'] } : { value: new Date(lo), anomalies: [] };
  return { value: claimed, anomalies: [] };
}

/** The most energy (Wh) a connector rated `maxPowerW` can deliver between two instants. */
export function physicalMaxWh(maxPowerW: number, from: Date, to: Date): number {
  const seconds = Math.max(0, (to.getTime() - from.getTime()) / 1000);
  return Math.ceil(((maxPowerW * seconds) / 3600) * PHYSICAL_MARGIN) + PHYSICAL_SLACK_WH;
}

/** Caps an energy figure at what the connector could have delivered; without a rating, no cap (flagged). */
export function boundEnergy(energyWh: number, maxPowerW: number | undefined, from: Date | undefined, to: Date): Clamped<number> {
  if (!maxPowerW || maxPowerW <= 0 || !from) return { value: energyWh, anomalies: maxPowerW ? [] : ['no-power-rating'] };
  const max = physicalMaxWh(maxPowerW, from, to);
  return energyWh > max ? { value: max, anomalies: ['energy-above-physical'] } : { value: energyWh, anomalies: [] };
}

/**
 * Energy delivered by a finished transaction (rule 2 and 3): register difference or samples,
 * whichever is larger, within the physical bound.
 */
export function deliveredEnergy(input: {
  meterStartWh?: number;
  meterStopWh?: number;
  sampledWh: number;
  maxPowerW?: number;
  startedAt?: Date;
  stoppedAt: Date;
}): Clamped<number> {
  const anomalies: Anomaly[] = [];
  let energy = Math.max(0, input.sampledWh);
  if (input.meterStopWh !== undefined && input.meterStartWh !== undefined) {
    const register = input.meterStopWh - input.meterStartWh;
    if (register < 0) anomalies.push('register-below-start');
    else if (register < input.sampledWh) anomalies.push('register-below-samples');
    energy = Math.max(energy, register);
  }
  const bounded = boundEnergy(energy, input.maxPowerW, input.startedAt, input.stoppedAt);
  return { value: bounded.value, anomalies: [...anomalies, ...bounded.anomalies.filter((a) => a !== 'no-power-rating' || energy > 0)] };
}
