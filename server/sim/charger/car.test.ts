import { describe, expect, it } from 'vitest';
import { charge, chargePowerW, curveW, isFull, MJ_PER_WH, plugInCar, socPercent, validateCar, type CarSpec } from './car.js';

const aCar = (over: Partial<CarSpec> = {}): CarSpec => ({ capacityKWh: 50, startSocPercent: 20, maxPowerW: 11_000, ...over });

describe('curveW', () => {
  it.each([
    { soc: 0, want: 11_000 },
    { soc: 50, want: 11_000 },
    { soc: 80, want: 11_000 },
    { soc: 90, want: 11_000 * 0.55 },
    { soc: 99.9, want: 11_000 * (0.1 + 0.9 * 0.005) },
    { soc: 100, want: 0 }
  ])('at $soc % gives $want W', ({ soc, want }) => {
    expect(curveW(aCar(), soc)).toBeCloseTo(want, 6);
  });
});

describe('chargePowerW', () => {
  it.each([
    { name: 'connector limits', connector: 7_400, car: aCar(), want: 7_400 },
    { name: 'car limits', connector: 22_000, car: aCar(), want: 11_000 },
    { name: 'curve limits above 80 %', connector: 22_000, car: aCar({ startSocPercent: 90 }), want: 6_050 },
    { name: 'full draws nothing', connector: 22_000, car: aCar({ startSocPercent: 100 }), want: 0 }
  ])('$name', ({ connector, car, want }) => {
    expect(chargePowerW(plugInCar(car), connector)).toBe(want);
  });
});

describe('charge', () => {
  it.each([
    // 11 kW for one hour is exactly 11 kWh, at a constant power below 80 %.
    { name: 'one hour at 11 kW', car: aCar(), connector: 22_000, ms: 3_600_000, wantWh: 11_000 },
    { name: 'ten seconds at 7.4 kW', car: aCar(), connector: 7_400, ms: 10_000, wantWh: 7_400 * 10 / 3600 },
    { name: 'zero time', car: aCar(), connector: 22_000, ms: 0, wantWh: 0 },
    { name: 'full car', car: aCar({ startSocPercent: 100 }), connector: 22_000, ms: 60_000, wantWh: 0 }
  ])('$name delivers $wantWh Wh', ({ car, connector, ms, wantWh }) => {
    const r = charge(plugInCar(car), connector, ms);
    expect(r.deliveredMj / MJ_PER_WH).toBeCloseTo(wantWh, 6);
  });

  it('raises SoC by exactly the energy delivered', () => {
    const start = plugInCar(aCar());
    const r = charge(start, 22_000, 600_000);
    expect(r.car.storedMj - start.storedMj).toBe(r.deliveredMj);
    expect(socPercent(r.car) - socPercent(start)).toBeCloseTo((r.deliveredMj / (50_000 * MJ_PER_WH)) * 100, 9);
  });

  it('adds up exactly whether integrated in one go or in uneven slices', () => {
    const start = plugInCar(aCar({ startSocPercent: 75 }));
    const whole = charge(start, 22_000, 1_800_000);
    let car = start;
    let sum = 0;
    // Slices that are whole seconds keep the same power steps as one big call.
    for (const ms of [1_000, 59_000, 240_000, 500_000, 1_000_000]) {
      const r = charge(car, 22_000, ms);
      car = r.car;
      sum += r.deliveredMj;
    }
    expect(sum).toBe(whole.deliveredMj);
    expect(car.storedMj).toBe(whole.car.storedMj);
  });

  it('tapers above 80 % and stops exactly at full', () => {
    let car = plugInCar(aCar({ startSocPercent: 78 }));
    const powers: number[] = [];
    for (let i = 0; i < 200 && !isFull(car); i++) {
      const r = charge(car, 22_000, 60_000);
      car = r.car;
      powers.push(r.powerW);
    }
    expect(isFull(car)).toBe(true);
    expect(socPercent(car)).toBe(100);
    expect(powers.at(-1)).toBe(0);
    // Non-increasing once tapering.
    for (let i = 1; i < powers.length; i++) expect(powers[i]).toBeLessThanOrEqual(powers[i - 1]);
    expect(charge(car, 22_000, 60_000).deliveredMj).toBe(0);
  });

  it('rejects negative or fractional durations', () => {
    expect(() => charge(plugInCar(aCar()), 22_000, -1)).toThrow(/durationMs/);
    expect(() => charge(plugInCar(aCar()), 22_000, 1.5)).toThrow(/durationMs/);
  });
});

describe('validateCar', () => {
  it.each([
    { over: { capacityKWh: 0 }, msg: /capacityKWh/ },
    { over: { startSocPercent: 101 }, msg: /startSocPercent/ },
    { over: { maxPowerW: -5 }, msg: /maxPowerW/ }
  ])('rejects $over', ({ over, msg }) => {
    expect(() => validateCar(aCar(over))).toThrow(msg);
  });
});
