/** Builders that keep test cases short: `aTariff({ perMinuteOre: 50 })`, `aSession({ state: 'charging' })`. */
import type { Tariff } from '../../server/domain/tariff.js';
import type { Session } from '../../server/domain/session.js';

export function aTariff(over: Partial<Tariff> = {}): Tariff {
  return {
    id: 't-test',
    currency: 'NOK',
    pricePerKwhOre: 500,
    startFeeOre: 0,
    perMinuteOre: 0,
    idleFeePerMinuteOre: 0,
    idleGraceMinutes: 0,
    vatRateBp: 2500,
    ...over
  };
}

export function aSession(over: Partial<Session> = {}): Session {
  return {
    id: 'a1b2c3d4e5f6',
    state: 'awaiting_payment',
    reservedOre: 35000,
    tariff: aTariff(),
    energyWh: 0,
    powerW: 0,
    ...over
  };
}
