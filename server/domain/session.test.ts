import { describe, expect, it } from 'vitest';
import { aSession, aTariff } from '../../tests/helpers/builders.js';
import { isLive, runningCost, transition, type Session, type SessionEvent } from './session.js';

const ctx = { meterIntervalSeconds: 10 };
const t0 = new Date('2026-11-22T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const charging = (over: Partial<Session> = {}) =>
  aSession({ state: 'charging', authorizedOre: 35000, transactionId: 7, meterStartWh: 1000, startedAt: t0, ...over });

describe('session transitions', () => {
  // [name, from, event, expected state, expected command types]
  const table: Array<[string, Session, SessionEvent, Session['state'], string[], boolean]> = [
    ['authorized → start the charger', aSession(), { type: 'payment-authorized', amountOre: 35000 }, 'starting', ['remote-start', 'schedule-start-timeout'], true],
    ['duplicate authorization is harmless', aSession({ state: 'starting' }), { type: 'payment-authorized', amountOre: 35000 }, 'starting', [], false],
    ['authorized after plugpay gave up → release it', aSession({ state: 'failed' }), { type: 'payment-authorized', amountOre: 35000 }, 'failed', ['release'], true],
    ['a second authorization of a released session does nothing', aSession({ state: 'failed', authorizedOre: 35000 }), { type: 'payment-authorized', amountOre: 35000 }, 'failed', [], false],
    ['abandoned before approval → release', aSession(), { type: 'abandoned' }, 'failed', ['release'], true],
    ['abandoning a running session does nothing', charging(), { type: 'abandoned' }, 'charging', [], false],
    ['rejected in the app', aSession(), { type: 'payment-failed', status: 'rejected' }, 'failed', [], true],
    ['expired', aSession(), { type: 'payment-failed', status: 'expired' }, 'failed', [], true],
    ['late failure after authorization is ignored', aSession({ state: 'charging' }), { type: 'payment-failed', status: 'expired' }, 'charging', [], false],
    ['charger refuses → release', aSession({ state: 'starting' }), { type: 'start-rejected', why: 'rejected' }, 'failed', ['release'], true],
    ['no StartTransaction in time → release', aSession({ state: 'starting' }), { type: 'start-rejected', why: 'timeout' }, 'failed', ['release'], true],
    ['timeout after the start is ignored', charging(), { type: 'start-rejected', why: 'timeout' }, 'charging', [], false],
    ['transaction starts', aSession({ state: 'starting' }), { type: 'transaction-started', transactionId: 7, meterStartWh: 1000, at: t0 }, 'charging', [], true],
    ['driver stops', charging(), { type: 'stop-requested', by: 'driver' }, 'stopping', ['remote-stop'], true],
    ['second tap on stop does nothing', charging({ state: 'stopping' }), { type: 'stop-requested', by: 'driver' }, 'stopping', [], false],
    ['stop before start does nothing', aSession(), { type: 'stop-requested', by: 'driver' }, 'awaiting_payment', [], false],
    ['charger stops by itself', charging(), { type: 'transaction-stopped', meterStopWh: 11000, at: at(600), reason: 'Local' }, 'finalizing', ['settle'], true],
    ['stop confirmed', charging({ state: 'stopping', stopReason: 'driver' }), { type: 'transaction-stopped', meterStopWh: 11000, at: at(600), reason: 'Remote' }, 'finalizing', ['settle'], true],
    ['duplicate stop after finalizing is ignored', charging({ state: 'finalizing' }), { type: 'transaction-stopped', meterStopWh: 11000, at: at(600), reason: 'Remote' }, 'finalizing', [], false],
    ['charger lost while charging → finalize from last reading', charging({ energyWh: 5000 }), { type: 'charger-lost', at: at(900) }, 'finalizing', ['settle'], true],
    ['charger lost while starting → release', aSession({ state: 'starting' }), { type: 'charger-lost', at: at(60) }, 'failed', ['release'], true],
    ['settled → completed', charging({ state: 'finalizing' }), { type: 'settled', capturedOre: 5000, cancelledOre: 30000 }, 'completed', [], true],
    ['stop refused → keep charging', charging({ state: 'stopping', stopReason: 'driver' }), { type: 'stop-refused' }, 'charging', [], true],
    ['meter after stop is ignored', charging({ state: 'completed' }), { type: 'meter', energyWh: 20000, at: at(1000) }, 'completed', [], false]
  ];

  it.each(table)('%s', (_name, from, event, state, commands, applied) => {
    const r = transition(from, event, ctx);
    expect(r.session.state).toBe(state);
    expect(r.commands.map((c) => c.type)).toEqual(commands);
    expect(r.applied).toBe(applied);
  });
});

describe('meter values', () => {
  it('tracks energy from meterStart and power', () => {
    const r = transition(charging(), { type: 'meter', energyWh: 4500, powerW: 11000, at: at(60) }, ctx);
    expect(r.session.energyWh).toBe(3500);
    expect(r.session.powerW).toBe(11000);
    expect(r.commands).toEqual([]);
  });

  it('never lets energy go backwards (out-of-order samples)', () => {
    const r = transition(charging({ energyWh: 3500 }), { type: 'meter', energyWh: 2000, at: at(30) }, ctx);
    expect(r.session.energyWh).toBe(3500);
  });

  it('ignores a sample older than the latest one', () => {
    const r = transition(charging({ energyWh: 3500, lastMeterAt: at(60) }), { type: 'meter', energyWh: 9000, powerW: 1, at: at(30) }, ctx);
    expect(r.applied).toBe(false);
    expect(r.session.energyWh).toBe(3500);
  });

  it('auto-stops on the energy rate even when the charger reports no power', () => {
    // 10 kWh in the last 10 s is 3.6 MW observed: two more intervals would pass 100 kr.
    const s = charging({ authorizedOre: 10000, reservedOre: 10000, energyWh: 5000, lastMeterAt: at(590) });
    const r = transition(s, { type: 'meter', energyWh: 1000 + 15000, at: at(600) }, ctx);
    expect(r.session.state).toBe('stopping');
    const calm = transition({ ...s }, { type: 'meter', energyWh: 1000 + 5010, at: at(600) }, ctx);
    expect(calm.session.state).toBe('charging');
  });

  it('auto-stops before the cost can pass the reservation', () => {
    // 5 kr/kWh, reserved 100 kr: 19.9 kWh at 22 kW projects past 100 kr within two intervals.
    const s = charging({ authorizedOre: 10000, reservedOre: 10000 });
    const r = transition(s, { type: 'meter', energyWh: 1000 + 19900, powerW: 22000, at: at(3000) }, ctx);
    expect(r.session.state).toBe('stopping');
    expect(r.session.stopReason).toBe('auto-stop');
    expect(r.commands).toEqual([{ type: 'remote-stop', transactionId: 7 }]);
  });
});

describe('idle time', () => {
  const idleTariff = aTariff({ idleFeePerMinuteOre: 100, idleGraceMinutes: 0 });
  it('counts the time a plugged-in car stops drawing power, and bills it', () => {
    let s = charging({ tariff: idleTariff, lastMeterAt: t0 });
    const step = (wh: number, w: number, sec: number) => (s = transition(s, { type: 'meter', energyWh: 1000 + wh, powerW: w, at: at(sec) }, ctx).session);
    step(500, 11000, 60); // drawing
    step(500, 0, 120); // full: idle since the previous sample (60 s)
    step(500, 0, 180);
    expect(s.idleSince).toEqual(at(60));
    step(800, 11000, 240); // drawing again: the spell 60 → 180 s ends
    expect(s.idleSeconds).toBe(120);
    expect(s.idleSince).toBeUndefined();
    step(800, 0, 300); // idle from 240 s
    const r = transition(s, { type: 'transaction-stopped', meterStopWh: 1800, at: at(420), reason: 'EVDisconnected' }, ctx);
    expect(r.session.idleSeconds).toBe(120 + 180);
    // 0.8 kWh at 5 kr + 5 idle minutes at 1 kr
    expect(r.session.costOre).toBe(400 + 500);
  });

  it('is free within the grace period', () => {
    let s = charging({ tariff: aTariff({ idleFeePerMinuteOre: 100, idleGraceMinutes: 10 }), lastMeterAt: t0 });
    s = transition(s, { type: 'meter', energyWh: 2000, powerW: 11000, at: at(60) }, ctx).session;
    s = transition(s, { type: 'meter', energyWh: 2000, powerW: 0, at: at(120) }, ctx).session;
    const r = transition(s, { type: 'transaction-stopped', meterStopWh: 2000, at: at(500), reason: 'Local' }, ctx);
    expect(r.session.costOre).toBe(500);
  });
});

describe('finalizing', () => {
  it('bills meterStop − meterStart and captures the cost', () => {
    const r = transition(charging({ energyWh: 42000 }), { type: 'transaction-stopped', meterStopWh: 1000 + 43228, at: at(3000), reason: 'Remote' }, ctx);
    expect(r.session.energyWh).toBe(43228);
    expect(r.session.costOre).toBe(21614);
    expect(r.commands).toEqual([{ type: 'settle', captureOre: 21614 }]);
  });

  it('captures nothing for a session that delivered nothing', () => {
    const s = charging({ tariff: aTariff({ startFeeOre: 500, perMinuteOre: 100 }) });
    const r = transition(s, { type: 'transaction-stopped', meterStopWh: 1000, at: at(300), reason: 'EVDisconnected' }, ctx);
    expect(r.commands).toEqual([{ type: 'settle', captureOre: 0 }]);
  });

  it('never captures more than was authorized', () => {
    const r = transition(charging({ authorizedOre: 20000 }), { type: 'transaction-stopped', meterStopWh: 1000 + 50000, at: at(3000), reason: 'Local' }, ctx);
    expect(r.session.costOre).toBe(25000);
    expect(r.commands).toEqual([{ type: 'settle', captureOre: 20000 }]);
  });

  it('includes time-based fees from start to stop', () => {
    const s = charging({ tariff: aTariff({ perMinuteOre: 60, startFeeOre: 300 }) });
    const r = transition(s, { type: 'transaction-stopped', meterStopWh: 2000, at: at(600), reason: 'Local' }, ctx);
    expect(r.session.costOre).toBe(500 + 600 + 300);
  });

  it('keeps the first stop reason (driver) over the charger\'s word', () => {
    const r = transition(charging({ state: 'stopping', stopReason: 'driver' }), { type: 'transaction-stopped', meterStopWh: 2000, at: at(60), reason: 'Remote' }, ctx);
    expect(r.session.stopReason).toBe('driver');
  });
});

describe('helpers', () => {
  it('running cost follows energy and time', () => {
    expect(runningCost(charging({ energyWh: 2000 }), at(60))).toBe(1000);
  });
  it('knows which states hold the connector', () => {
    expect(['awaiting_payment', 'starting', 'charging', 'stopping'].every((s) => isLive(s as Session['state']))).toBe(true);
    expect(['finalizing', 'completed', 'failed'].some((s) => isLive(s as Session['state']))).toBe(false);
  });
});
