import { describe, expect, it } from 'vitest';
import { readMeterValues } from './meter-values.js';

const at = '2025-03-01T12:00:00Z';

describe('readMeterValues', () => {
  it.each([
    ['Wh, the default unit', [{ value: '1234' }], { energyWh: 1234 }],
    ['kWh to integer Wh', [{ value: '12.3456', unit: 'kWh' }], { energyWh: 12346 }],
    ['kW to W', [{ value: '7.2', measurand: 'Power.Active.Import', unit: 'kW' }], { powerW: 7200 }],
    ['power without unit is W', [{ value: '11000', measurand: 'Power.Active.Import' }], { powerW: 11000 }],
    ['SoC percent', [{ value: '57.5', measurand: 'SoC', unit: 'Percent', location: 'EV' }], { socPercent: 57.5 }],
    [
      'power summed over L1..L3 when no total is sent',
      [
        { value: '3000', measurand: 'Power.Active.Import', phase: 'L1', unit: 'W' },
        { value: '3100', measurand: 'Power.Active.Import', phase: 'L2', unit: 'W' },
        { value: '2900', measurand: 'Power.Active.Import', phase: 'L3', unit: 'W' }
      ],
      { powerW: 9000 }
    ],
    [
      'the total preferred over phases',
      [
        { value: '100', measurand: 'Power.Active.Import', phase: 'L1' },
        { value: '7000', measurand: 'Power.Active.Import' }
      ],
      { powerW: 7000 }
    ]
  ])('%s', (_name, sampledValue, expected) => {
    const r = readMeterValues([{ timestamp: at, sampledValue }]);
    expect(r.readings).toEqual([{ at: new Date(at), ...expected }]);
    expect(r.problems).toEqual([]);
  });

  it('stores every numeric value, skips bad ones with a reason, and sorts readings by time', () => {
    const r = readMeterValues([
      { timestamp: '2025-03-01T12:02:00Z', sampledValue: [{ value: '20' }, { value: 'abc', measurand: 'SoC', unit: 'Percent' }] },
      { timestamp: '2025-03-01T12:01:00Z', sampledValue: [{ value: '10' }, { value: '230.1', measurand: 'Voltage', unit: 'V', phase: 'L1-N' }] },
      { timestamp: '2025-03-01T12:03:00Z', sampledValue: [{ value: '5', unit: 'varh' }, { value: 'x', format: 'SignedData' }] }
    ]);
    expect(r.rows.map((x) => [x.measurand, x.phase, x.value, x.unit])).toEqual([
      ['Energy.Active.Import.Register', '', 20, 'Wh'],
      ['Energy.Active.Import.Register', '', 10, 'Wh'],
      ['Voltage', 'L1-N', 230.1, 'V'],
      ['Energy.Active.Import.Register', '', 5, 'varh']
    ]);
    expect(r.readings.map((x) => [x.at.toISOString(), x.energyWh])).toEqual([
      ['2025-03-01T12:01:00.000Z', 10],
      ['2025-03-01T12:02:00.000Z', 20]
    ]);
    expect(r.problems).toHaveLength(3);
  });
});
