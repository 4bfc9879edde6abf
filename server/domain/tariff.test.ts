import { describe, expect, it } from 'vitest';
import { aTariff } from '../../tests/helpers/builders.js';
import { costOf, shouldAutoStop, validateTariff } from './tariff.js';

describe('costOf', () => {
  it.each([
    // [tariff overrides, energyWh, seconds, idleSeconds, expected total]
    [{}, 0, 3600, 0, 0], // nothing delivered: nothing to pay, not even the start fee
    [{ startFeeOre: 500, perMinuteOre: 100 }, 0, 600, 0, 0],
    [{}, 1000, 60, 0, 500], // 1 kWh at 5 kr
    [{}, 43228, 3000, 0, 21614], // 43.228 kWh × 5 kr = 216.14 kr
    [{}, 1, 10, 0, 1], // 0.5 øre rounds up
    [{ pricePerKwhOre: 399 }, 1253, 10, 0, 500], // 499.947 → 500
    [{ pricePerKwhOre: 399 }, 1, 10, 0, 0], // 0.399 → 0
    [{ perMinuteOre: 50 }, 1000, 90, 0, 575], // 500 + 75
    [{ perMinuteOre: 50 }, 1000, 91, 0, 576], // 75.83 → 76
    [{ startFeeOre: 1000 }, 1000, 0, 0, 1500],
    [{ idleFeePerMinuteOre: 100, idleGraceMinutes: 10 }, 1000, 600, 600, 500], // within grace
    [{ idleFeePerMinuteOre: 100, idleGraceMinutes: 10 }, 1000, 600, 1200, 1500] // 10 idle minutes past grace
  ])('%j: %i Wh, %i s, %i s idle → %i øre', (over, wh, s, idle, total) => {
    const cost = costOf(aTariff(over), { energyWh: wh, durationSeconds: s, idleSeconds: idle });
    expect(cost.totalOre).toBe(total);
    expect(cost.lines.reduce((a, l) => a + l.totalOre, 0)).toBe(total);
  });

  it('never returns a fraction of an øre', () => {
    for (let wh = 0; wh < 3000; wh += 37) {
      const c = costOf(aTariff({ pricePerKwhOre: 333, perMinuteOre: 7 }), { energyWh: wh, durationSeconds: wh % 997 });
      expect(Number.isInteger(c.totalOre)).toBe(true);
    }
  });
});

describe('validateTariff', () => {
  it('refuses negative or fractional prices and odd VAT rates', () => {
    expect(() => validateTariff(aTariff({ pricePerKwhOre: -1 }))).toThrow(/negative/);
    expect(() => validateTariff(aTariff({ pricePerKwhOre: 1.5 }))).toThrow(/integer/);
    expect(() => validateTariff(aTariff({ vatRateBp: 20000 }))).toThrow(/VAT/);
    expect(validateTariff(aTariff())).toEqual(aTariff());
  });
});

describe('shouldAutoStop', () => {
  const t = aTariff(); // 5 kr/kWh
  it.each([
    // energyWh, powerW, reservedOre, interval, stop?
    [0, 0, 35000, 10, false],
    [60000, 22000, 35000, 10, false], // 60.123 kWh projected: 300.62 kr
    [69000, 22000, 35000, 10, false], // 69.123 kWh projected: 345.62 kr
    [69900, 22000, 35000, 10, true], // 70.023 kWh projected: 350.12 kr
    [69900, 0, 35000, 10, false], // idle car: no energy ahead, 349.50 kr
    [69000, 150000, 35000, 60, true] // 150 kW for 2 min: +5 kWh → 370 kr
  ])('%i Wh at %i W, reserved %i, interval %i s → %s', (wh, w, reserved, interval, stop) => {
    expect(shouldAutoStop(t, { energyWh: wh, powerW: w, durationSeconds: 600 }, reserved, interval)).toBe(stop);
  });

  it('stops before the next interval could pass the reservation', () => {
    // Walk a session at 22 kW in 10 s steps and check the cost at stop never exceeds the reservation.
    let wh = 0;
    let seconds = 0;
    while (!shouldAutoStop(t, { energyWh: wh, powerW: 22000, durationSeconds: seconds }, 35000, 10)) {
      wh += Math.round((22000 * 10) / 3600);
      seconds += 10;
    }
    // One more interval of energy arrives before the charger stops.
    const atStop = costOf(t, { energyWh: wh + Math.round((22000 * 10) / 3600), durationSeconds: seconds + 10 });
    expect(atStop.totalOre).toBeLessThanOrEqual(35000);
    expect(atStop.totalOre).toBeGreaterThan(34000);
  });
});
