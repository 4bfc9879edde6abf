import { describe, expect, it } from 'vitest';
import { tariffLines } from './tariff-lines';

describe('tariffLines', () => {
  it('shows what the driver pays, fees only when there are some', () => {
    const base = { currency: 'NOK' as const, pricePerKwhOre: 479, startFeeOre: 0, perMinuteOre: 0, idleFeePerMinuteOre: 0, idleGraceMinutes: 0, vatRateBp: 2500 };
    expect(tariffLines(base)).toHaveLength(2);
    const hub = tariffLines({ ...base, startFeeOre: 500, perMinuteOre: 10, idleFeePerMinuteOre: 100, idleGraceMinutes: 30 });
    expect(hub).toHaveLength(5);
    expect(hub[0]).toMatch(/4,79.*per kWh/);
    expect(hub[1]).toMatch(/^Start fee kr.5,00$/);
    expect(hub[3]).toMatch(/after 30 min/);
    expect(hub[4]).toMatch(/25/);
  });
});
