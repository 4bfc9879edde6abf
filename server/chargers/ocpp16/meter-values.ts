/**
 * Reads OCPP 1.6 MeterValue lists (MeterValues.req meterValue, StopTransaction.req
 * transactionData) into rows to store and readings in plugpay's units. Pure: no I/O.
 */
import type { LastSample, MeterSampleRow } from '../../store/charger-repository.js';

export interface SampledValue16 {
  value: string;
  context?: string;
  format?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
}
export interface MeterValue16 {
  timestamp: string;
  sampledValue: SampledValue16[];
}

export interface ReadMeterValues {
  /** Every numeric sampled value, one row per (time, measurand, phase). */
  rows: MeterSampleRow[];
  /** One reading per timestamp that carried energy, power or SoC, oldest first. */
  readings: LastSample[];
  /** What was skipped and why, for the log. */
  problems: string[];
}

const ENERGY = 'Energy.Active.Import.Register';
const POWER = 'Power.Active.Import';
const SOC = 'SoC';
const LINE_PHASES = [['L1', 'L1-N'], ['L2', 'L2-N'], ['L3', 'L3-N']];

// OCPP 1.6 §7.45 SampledValue: measurand defaults to Energy.Active.Import.Register and unit to
// Wh. A power or SoC value without a unit cannot be in Wh, so their natural unit is assumed.
function unitOf(measurand: string, unit: string | undefined): string {
  if (unit) return unit;
  if (measurand === POWER) return 'W';
  if (measurand === SOC) return 'Percent';
  return 'Wh';
}

function toPlugpayUnit(measurand: string, unit: string, value: number): number | undefined {
  if (measurand === ENERGY) return unit === 'Wh' ? value : unit === 'kWh' ? value * 1000 : undefined;
  if (measurand === POWER) return unit === 'W' ? value : unit === 'kW' ? value * 1000 : undefined;
  if (measurand === SOC) return unit === 'Percent' ? value : undefined;
  return undefined;
}

/**
 * One measurand's value at one instant: the value without a phase when there is one (the total),
 * else the sum over the line phases L1..L3 (a three-phase meter reporting per phase).
 */
function pick(values: { phase: string; value: number }[]): number | undefined {
  const total = values.find((v) => v.phase === '');
  if (total) return total.value;
  let sum = 0;
  let found = false;
  for (const names of LINE_PHASES) {
    const v = values.find((x) => names.includes(x.phase));
    if (v) {
      sum += v.value;
      found = true;
    }
  }
  return found ? sum : undefined;
}

export function readMeterValues(meterValues: MeterValue16[]): ReadMeterValues {
  const rows: MeterSampleRow[] = [];
  const readings: LastSample[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();

  for (const mv of meterValues) {
    const at = new Date(mv.timestamp);
    if (Number.isNaN(at.getTime())) {
      problems.push(`timestamp ${JSON.stringify(mv.timestamp)} is not a date`);
      continue;
    }
    const converted = new Map<string, { phase: string; value: number }[]>();
    for (const sv of mv.sampledValue) {
      const measurand = sv.measurand ?? ENERGY;
      if (sv.format === 'SignedData') {
        problems.push(`${measurand} at ${mv.timestamp} is signed data, not a number; not stored`);
        continue;
      }
      // Values are decimal strings in OCPP 1.6 (§7.45); an empty or non-numeric one is skipped.
      const value = sv.value.trim() === '' ? NaN : Number(sv.value);
      if (!Number.isFinite(value)) {
        problems.push(`${measurand} at ${mv.timestamp} has value ${JSON.stringify(sv.value)}, not a number`);
        continue;
      }
      const phase = sv.phase ?? '';
      const unit = unitOf(measurand, sv.unit);
      const key = `${at.getTime()}|${measurand}|${phase}`;
      if (!seen.has(key)) {
        seen.add(key);
        rows.push({ sampledAt: at, measurand, phase, context: sv.context ?? null, value, unit });
      }
      if (measurand === ENERGY || measurand === POWER || measurand === SOC) {
        const v = toPlugpayUnit(measurand, unit, value);
        if (v === undefined) {
          problems.push(`${measurand} at ${mv.timestamp} in unit ${unit} cannot be used`);
          continue;
        }
        const list = converted.get(measurand) ?? [];
        if (!list.some((x) => x.phase === phase)) list.push({ phase, value: v });
        converted.set(measurand, list);
      }
    }
    const energy = pick(converted.get(ENERGY) ?? []);
    const power = pick(converted.get(POWER) ?? []);
    const soc = converted.get(SOC)?.[0]?.value;
    if (energy !== undefined || power !== undefined || soc !== undefined) {
      const reading: LastSample = { at };
      if (energy !== undefined) reading.energyWh = Math.round(energy);
      if (power !== undefined) reading.powerW = Math.round(power);
      if (soc !== undefined) reading.socPercent = soc;
      readings.push(reading);
    }
  }
  readings.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { rows, readings, problems };
}
