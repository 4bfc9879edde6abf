/**
 * A simulated electric car, as seen from the charger's outlet. Pure: no clock, no I/O.
 *
 * Energy is kept as an integer number of millijoules (W × ms), so integrating an integer power
 * over an integer number of milliseconds is exact, and the meter register derived from it
 * (integer Wh, rounded down) never drifts: the sum of the deltas between two readings is the
 * difference of the readings.
 */

/** What a car brings to the charger. */
export interface CarSpec {
  /** Usable battery capacity, kWh. */
  capacityKWh: number;
  /** State of charge when plugged in, percent (0–100). */
  startSocPercent: number;
  /** The most the car accepts, W (its on-board charger for AC, its battery limit for DC). */
  maxPowerW: number;
}

/** A car's battery at one moment. */
export interface CarState {
  spec: CarSpec;
  /** Energy in the battery, mJ. */
  storedMj: number;
}

/** A mid-size car on AC: 64 kWh, arriving at 20 %, 11 kW on-board charger. */
export const defaultCar: CarSpec = { capacityKWh: 64, startSocPercent: 20, maxPowerW: 11_000 };

export const MJ_PER_WH = 3_600_000;

/** Above this SoC the battery management system tapers the current, as real cars do. */
export const TAPER_START_PERCENT = 80;
/** Share of the car's maximum still drawn just before full, so charging ends in finite time. */
const TAPER_FLOOR = 0.1;
/** Power is re-evaluated at least this often (simulated ms) while integrating. */
const STEP_MS = 1_000;

export function capacityMj(spec: CarSpec): number {
  return Math.round(spec.capacityKWh * 1000 * MJ_PER_WH);
}

/** Throws on a car that cannot exist, so a bad config is seen at once rather than as 0 kWh. */
export function validateCar(spec: CarSpec): CarSpec {
  if (!(spec.capacityKWh > 0)) throw new Error(`car capacityKWh must be > 0, got ${spec.capacityKWh}`);
  if (!(spec.startSocPercent >= 0 && spec.startSocPercent <= 100)) {
    throw new Error(`car startSocPercent must be within 0..100, got ${spec.startSocPercent}`);
  }
  if (!(spec.maxPowerW > 0)) throw new Error(`car maxPowerW must be > 0, got ${spec.maxPowerW}`);
  return spec;
}

export function plugInCar(spec: CarSpec): CarState {
  validateCar(spec);
  return { spec, storedMj: Math.round((capacityMj(spec) * spec.startSocPercent) / 100) };
}

export function socPercent(car: CarState): number {
  return (car.storedMj / capacityMj(car.spec)) * 100;
}

export function isFull(car: CarState): boolean {
  return car.storedMj >= capacityMj(car.spec);
}

/**
 * The most the car's battery accepts at a given SoC, W: its maximum up to 80 %, then a linear
 * taper down to 10 % of the maximum at 100 %, and nothing once full.
 */
export function curveW(spec: CarSpec, soc: number): number {
  if (soc >= 100) return 0;
  if (soc <= TAPER_START_PERCENT) return spec.maxPowerW;
  const left = (100 - soc) / (100 - TAPER_START_PERCENT);
  return spec.maxPowerW * (TAPER_FLOOR + (1 - TAPER_FLOOR) * left);
}

/** Power drawn now, integer W: min(what the connector offers, what the car takes). */
export function chargePowerW(car: CarState, connectorMaxW: number): number {
  if (isFull(car)) return 0;
  return Math.max(0, Math.floor(Math.min(connectorMaxW, car.spec.maxPowerW, curveW(car.spec, socPercent(car)))));
}

export interface ChargeResult {
  car: CarState;
  /** Energy that went through the meter during the interval, mJ (exact). */
  deliveredMj: number;
  /** Power at the end of the interval, W. */
  powerW: number;
}

/**
 * Charges `car` for `durationMs` simulated milliseconds from a connector offering at most
 * `connectorMaxW`. Power is held for at most one second at a time, then re-evaluated from the
 * new SoC; the battery never goes past its capacity.
 */
export function charge(car: CarState, connectorMaxW: number, durationMs: number): ChargeResult {
  if (!Number.isInteger(durationMs) || durationMs < 0) throw new Error(`durationMs must be a non-negative integer, got ${durationMs}`);
  const cap = capacityMj(car.spec);
  let stored = car.storedMj;
  let delivered = 0;
  let left = durationMs;
  while (left > 0 && stored < cap) {
    const step = Math.min(STEP_MS, left);
    const p = chargePowerW({ spec: car.spec, storedMj: stored }, connectorMaxW);
    if (p === 0) break;
    const e = Math.min(p * step, cap - stored);
    stored += e;
    delivered += e;
    left -= step;
  }
  const next = { spec: car.spec, storedMj: stored };
  return { car: next, deliveredMj: delivered, powerW: chargePowerW(next, connectorMaxW) };
}
