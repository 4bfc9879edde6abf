/** Builders that keep test cases short: `aTariff({ perMinuteOre: 50 })`, `aSession({ state: 'charging' })`. */
import type { Tariff } from '../../server/domain/tariff.js';
import type { Session } from '../../server/domain/session.js';
import type { ChargingSettings } from '../../server/sessions/session-core.js';

/** The session services' settings as the tests use them: 10 s meter interval, 60 s start timeout. */
export function aChargingSettings(over: Partial<ChargingSettings> = {}): ChargingSettings {
  return {
    publicUrl: 'http://plugpay.test',
    meterIntervalSeconds: 10,
    startTimeoutSeconds: 60,
    offlineGraceSeconds: 300,
    reserve: { defaultOre: 35000, minOre: 10000, maxOre: 100000, presetsOre: [20000, 35000, 50000] },
    termsUrl: '/terms',
    ...over
  };
}

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
