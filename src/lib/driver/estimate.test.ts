import { describe, expect, it } from 'vitest';
import { energyForAmount, extrapolate } from './estimate';
import type { SessionView, TariffView } from '$lib/shared/api';

const tariff: TariffView = { currency: 'NOK', pricePerKwhOre: 500, startFeeOre: 1000, perMinuteOre: 0, idleFeePerMinuteOre: 0, idleGraceMinutes: 0, vatRateBp: 2500 };

const session = (over: Partial<SessionView> = {}): SessionView => ({
  id: 's1aaaaaaaa',
  connectorId: 'C-1',
  stationName: 'S',
  connectorLabel: 'Connector 1',
  state: 'charging',
  reservedOre: 20000,
  energyWh: 2000,
  powerW: 36000,
  costOre: 2000,
  createdAt: '2031-01-01T00:00:00Z',
  chargerOnline: true,
  powerSeries: [],
  tariff,
  ...over
});

describe('energyForAmount', () => {
  it('is the amount less the start fee, at the energy price', () => {
    expect(energyForAmount(20000, tariff)).toBe(38000); // (200 − 10) kr / 5 kr per kWh = 38 kWh
    expect(energyForAmount(500, tariff)).toBe(0);
    expect(energyForAmount(20000, { ...tariff, pricePerKwhOre: 0 })).toBeNull();
  });
});

describe('extrapolate', () => {
  it('moves energy and cost on from the last power between readings', () => {
    // 36 kW for 10 s is 100 Wh, at 5 kr/kWh 50 øre.
    expect(extrapolate(session(), 10_000, true)).toEqual({ energyWh: 2100, costOre: 2050 });
  });

  it('stands still when the connection or the charger is gone, or nothing is drawn', () => {
    expect(extrapolate(session(), 10_000, false)).toEqual({ energyWh: 2000, costOre: 2000 });
    expect(extrapolate(session({ chargerOnline: false }), 10_000, true)).toEqual({ energyWh: 2000, costOre: 2000 });
    expect(extrapolate(session({ powerW: 0 }), 10_000, true)).toEqual({ energyWh: 2000, costOre: 2000 });
    expect(extrapolate(session({ state: 'stopping' }), 10_000, true)).toEqual({ energyWh: 2000, costOre: 2000 });
  });

  it('never runs past the reservation, and waits after 30 s without a reading', () => {
    expect(extrapolate(session({ costOre: 19990 }), 10_000, true).costOre).toBe(20000);
    expect(extrapolate(session(), 600_000, true)).toEqual(extrapolate(session(), 30_000, true));
  });
});
