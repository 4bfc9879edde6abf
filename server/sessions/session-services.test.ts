/**
 * The session services with every port faked (in-memory stores, payments, chargers, clock):
 * the same rules as charging-service.test.ts checks on a real database, in milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { newTestService } from '../../tests/helpers/memory-stores.js';

async function charging(t: ReturnType<typeof newTestService>, transactionId = 7) {
  t.stores.addConnector();
  const s = await t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
  t.payments.authorize(`plugpay-${s.sessionId}`);
  await t.sut.pollPendingPayments();
  expect(await t.runDue()).toEqual(['remote-start']);
  const idTag = `PP${s.sessionId.toUpperCase()}`;
  expect(await t.sut.transactionStarted({ chargerId: 'CP1', connectorNo: 1, transactionId, idTag, meterStartWh: 1000, at: t.clock.now() })).toBe('accepted');
  return s;
}

describe('session services on fakes', () => {
  it('holds the connector for one driver at a time and frees it when the first walks away', async () => {
    const t = newTestService();
    t.stores.addConnector();
    const first = await t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    await expect(t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 })).rejects.toMatchObject({ status: 409 });
    t.advance(121_000);
    const second = await t.sut.startSession({ connectorId: 'CP1-1', amountOre: 20000 });
    expect(t.stores.rows.get(first.sessionId)?.state).toBe('failed');
    expect(t.stores.rows.get(second.sessionId)?.state).toBe('awaiting_payment');
    expect(t.stores.pendingKinds(first.sessionId)).toEqual(['settle']); // its reservation is released
  });

  it('keeps meter readings in memory, written behind, and shows them to the driver at once', async () => {
    const t = newTestService();
    const s = await charging(t);
    t.advance(600_000);
    await t.sut.meterSampled({ chargerId: 'CP1', transactionId: 7, at: t.clock.now(), energyWh: 6000, powerW: 30_000 });
    expect(t.stores.rows.get(s.sessionId)?.energyWh).toBe(0); // the store has not been written
    expect((await t.sut.sessionView(s.sessionId, s.token)).energyWh).toBe(5000); // the driver sees it
    expect(t.sut.live.size).toBe(1);
  });

  it('hands a departed charger\'s sessions back to the store: written, and no longer held on this node', async () => {
    // The charger may come back on another node; a copy left here would go stale (its series and
    // power would still be shown by this node) and never be released.
    const t = newTestService();
    const s = await charging(t);
    t.advance(600_000);
    await t.sut.meterSampled({ chargerId: 'CP1', transactionId: 7, at: t.clock.now(), energyWh: 6000, powerW: 30_000 });
    await t.sut.chargerOffline({ chargerId: 'CP1', at: t.clock.now() });
    expect(t.sut.live.size).toBe(0);
    expect(t.stores.rows.get(s.sessionId)).toMatchObject({ energyWh: 5000, state: 'charging' });
    expect((await t.sut.sessionView(s.sessionId, s.token)).energyWh).toBe(5000);
  });

  it('commits an auto-stop before anything acts on it, and keeps sending it until the charger stops', async () => {
    const t = newTestService();
    const s = await charging(t);
    t.chargers.stopAnswer = 'rejected';
    t.advance(3000_000);
    await t.sut.meterSampled({ chargerId: 'CP1', transactionId: 7, at: t.clock.now(), energyWh: 1000 + 69_800, powerW: 50_000 });
    expect(t.stores.rows.get(s.sessionId)).toMatchObject({ state: 'stopping', stopReason: 'auto-stop', energyWh: 69_800 });
    expect(t.stores.pendingKinds(s.sessionId)).toEqual(['first-meter', 'remote-stop', 'start-timeout', 'stop-deadline']);
    await t.runDue();
    t.advance(1000);
    await t.runDue();
    expect(t.chargers.count('remoteStop')).toBe(2);
    await t.sut.transactionStopped({ chargerId: 'CP1', transactionId: 7, meterStopWh: 1000 + 70_100, at: t.clock.now(), reason: 'Remote' });
    t.advance(2000);
    await t.runDue();
    expect(t.payments.payments.get(`plugpay-${s.sessionId}`)).toMatchObject({ capturedOre: 35000, cancelledOre: 0 });
    expect(t.stores.rows.get(s.sessionId)?.state).toBe('completed');
  });

  it('asks the charger for a first reading right after the start, once, and shrugs off a refusal', async () => {
    const t = newTestService();
    const s = await charging(t);
    expect(t.stores.pendingKinds(s.sessionId)).toContain('first-meter');
    expect(t.chargers.count('triggerMessage')).toBe(0); // not before the StartTransaction answer
    t.advance(1000);
    t.chargers.triggerAnswer = new Error('charger went away');
    expect(await t.runDue()).toContain('first-meter');
    expect(t.chargers.calls.filter((c) => c.op === 'triggerMessage')).toEqual([{ op: 'triggerMessage', chargerId: 'CP1', arg: { message: 'MeterValues', connectorNo: 1 } }]);
    t.advance(60_000);
    expect(await t.runDue()).not.toContain('first-meter'); // a hint, not retried
  });

  it('lets the driver go back to an unapproved payment, or cancel it and free the connector', async () => {
    const t = newTestService();
    t.stores.addConnector();
    const s = await t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    expect(await t.sut.sessionOnConnector('CP1-1')).toBe(s.sessionId);
    expect(await t.sut.paymentUrl(s.sessionId, s.token)).toBe(s.redirectUrl);
    await expect(t.sut.paymentUrl(s.sessionId, 'x'.repeat(43))).rejects.toMatchObject({ status: 403 });
    await expect(t.sut.cancelPayment(s.sessionId, 'x'.repeat(43))).rejects.toMatchObject({ status: 403 });
    const v = await t.sut.cancelPayment(s.sessionId, s.token);
    expect(v).toMatchObject({ state: 'failed', messageCode: 'cancelled' });
    expect(await t.sut.sessionOnConnector('CP1-1')).toBeNull();
    await expect(t.sut.paymentUrl(s.sessionId, s.token)).rejects.toMatchObject({ status: 409 });
    expect(await t.runDue()).toEqual(['settle']);
    expect(t.payments.payments.get(`plugpay-${s.sessionId}`)?.status).toBe('terminated');
    // Another driver may start at once.
    await expect(t.sut.startSession({ connectorId: 'CP1-1', amountOre: 20000 })).resolves.toMatchObject({ sessionId: expect.any(String) });
  });

  it('reads a webhook back from the provider and acts on it once', async () => {
    const t = newTestService();
    t.stores.addConnector();
    const s = await t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    const ref = `plugpay-${s.sessionId}`;
    const hook = { reference: ref, pspReference: 'p1', name: 'AUTHORIZED', amountOre: 35000, success: true, timestamp: t.clock.now().toISOString() };
    await t.sut.onPaymentNotification(hook);
    expect(t.stores.rows.get(s.sessionId)?.state).toBe('awaiting_payment');
    t.payments.authorize(ref);
    await t.sut.onPaymentNotification(hook); // the same delivery again: recorded once, not read again
    expect(t.stores.rows.get(s.sessionId)?.state).toBe('awaiting_payment');
    await t.sut.onPaymentNotification({ ...hook, pspReference: 'p2' });
    expect(t.stores.rows.get(s.sessionId)?.state).toBe('starting');
  });
});

describe('a late RemoteStart (chaos seed 41)', () => {
  it('gives the charger its full start timeout from the accepted RemoteStart, and waits while it is away', async () => {
    const t = newTestService();
    t.stores.addConnector();
    t.chargers.startAnswer = new (await import('../chargers/port.js')).ChargerUnavailableError('CP1');
    const s = await t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    t.payments.authorize(`plugpay-${s.sessionId}`);
    await t.sut.pollPendingPayments();
    await t.runDue(); // the charger is away: RemoteStart waits
    t.advance(58_000);
    t.chargers.startAnswer = 'accepted'; // back just before the start timeout would fire
    await t.runDue();
    expect(t.chargers.count('remoteStart')).toBe(2);
    t.advance(3_000); // past the original timeout: not timed out, the charger just accepted
    await t.runDue();
    expect(t.stores.rows.get(s.sessionId)?.state).toBe('starting');
    // It drops its connection with the StartTransaction queued; the timeout waits for it.
    t.stores.connectorsById.get('CP1-1')!.chargerOnline = false;
    t.advance(60_000);
    await t.runDue();
    expect(t.stores.rows.get(s.sessionId)?.state).toBe('starting');
    t.stores.connectorsById.get('CP1-1')!.chargerOnline = true;
    const idTag = `PP${s.sessionId.toUpperCase()}`;
    expect(await t.sut.transactionStarted({ chargerId: 'CP1', connectorNo: 1, transactionId: 9, idTag, meterStartWh: 0, at: t.clock.now() })).toBe('accepted');
    expect(t.stores.rows.get(s.sessionId)?.state).toBe('charging');
  });

  it('still releases the reservation when an online charger never starts', async () => {
    const t = newTestService();
    const s = await (async () => {
      t.stores.addConnector();
      const x = await t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
      t.payments.authorize(`plugpay-${x.sessionId}`);
      await t.sut.pollPendingPayments();
      await t.runDue();
      return x;
    })();
    t.advance(61_000);
    await t.runDue(); // the timeout
    await t.runDue(); // the release it queued
    expect(t.stores.rows.get(s.sessionId)?.state).toBe('failed');
    expect(t.payments.payments.get(`plugpay-${s.sessionId}`)?.cancelledOre).toBe(35000);
  });
});

describe('a webhook whose read-back fails', () => {
  it('is read back again when Vipps redelivers it, so a late authorization is still released', async () => {
    const t = newTestService();
    t.stores.addConnector();
    t.payments.failNext.reserve = 1; // the create call "times out", but went through at Vipps
    await expect(t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 })).rejects.toMatchObject({ status: 502 });
    const s = [...t.stores.rows.values()][0];
    expect(s.state).toBe('failed');
    t.payments.payments.set(s.paymentReference, { reference: s.paymentReference, status: 'authorized', amountOre: 35000, authorizedOre: 35000, capturedOre: 0, cancelledOre: 0, refundedOre: 0 });
    const hook = { reference: s.paymentReference, pspReference: 'late-1', name: 'AUTHORIZED', amountOre: 35000, success: true, timestamp: t.clock.now().toISOString() };
    t.payments.failNext.get = 1; // Vipps is briefly unreachable: the delivery is not acknowledged
    await expect(t.sut.onPaymentNotification(hook)).rejects.toThrow(/outage/);
    await t.sut.onPaymentNotification(hook); // Vipps delivers it again
    await t.runDue();
    expect(t.payments.payments.get(s.paymentReference)).toMatchObject({ capturedOre: 0, cancelledOre: 35000 });
  });
});

describe('a busy connector at a large station', () => {
  function station(t: ReturnType<typeof newTestService>, size: number) {
    for (let i = 1; i <= size; i++) t.stores.addConnector({ id: `CP${i}-1`, chargerId: `CP${i}` });
  }

  it('points the driver to connectors at the same station that are free now: not held, not offline, at most four', async () => {
    const t = newTestService();
    station(t, 9);
    t.stores.addConnector({ id: 'CP2-1', chargerId: 'CP2', chargerOnline: false });
    t.stores.addConnector({ id: 'CP4-1', chargerId: 'CP4', status: 'charging' });
    await t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    await t.sut.startSession({ connectorId: 'CP3-1', amountOre: 35000 }); // held for another driver
    const view = (await t.sut.connectorView('CP1-1'))!;
    expect(view).toMatchObject({ available: false, status: 'reserved' });
    expect(view.freeNearby?.map((f) => f.id)).toEqual(['CP5-1', 'CP6-1', 'CP7-1', 'CP8-1']);
  });

  it("tells a connector's watchers that it changed without reading the rest of its station", async () => {
    // Every status change of every connector used to read the whole station (all its connectors
    // and their sessions) to build a free-nearby list nobody was sent: a ramp to 2,000 sessions
    // spent most of its time there.
    const t = newTestService();
    station(t, 50);
    const changed: Array<{ connectorId: string; status: string; available: boolean }> = [];
    t.sut.setNotifier({ sessionChanged() {}, stationChanged() {}, connectorChanged: (c) => changed.push(c) });
    const reads = { station: 0 };
    const { connectors, startableAtStation } = t.stores.stations;
    t.stores.stations.connectors = async (db, opts = {}) => (opts.stationId && reads.station++, connectors(db, opts));
    t.stores.stations.startableAtStation = async (...a) => (reads.station++, startableAtStation(...a));
    await t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    await t.sut.connectorStatusChanged({ chargerId: 'CP2', connectorNo: 1, status: 'preparing', at: t.clock.now() });
    expect(changed).toEqual([
      expect.objectContaining({ connectorId: 'CP1-1', status: 'reserved', available: false }),
      expect.objectContaining({ connectorId: 'CP2-1' })
    ]);
    expect(reads.station).toBe(0);
  });
});

describe('the meter path to the phone', () => {
  it('sends a sample on without waiting for the store, and reads old connector names again behind it', async () => {
    // A sample whose connector names were older than their time in memory used to wait for a
    // read of the connector before it went to the phone: at 2,000 sessions a third of all
    // samples took a round trip to the store on their way.
    const t = newTestService();
    const s = await charging(t);
    const seen: Array<{ energyWh: number; stationName: string }> = [];
    t.sut.setNotifier({ sessionChanged: (v) => seen.push({ energyWh: v.energyWh, stationName: v.stationName }), stationChanged() {}, connectorChanged() {} });
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const { connector } = t.stores.stations;
    let reads = 0;
    t.stores.stations.connector = async (db, id) => (reads++, await blocked, connector(db, id));
    t.advance(600_000);
    void t.sut.meterSampled({ chargerId: 'CP1', transactionId: 7, at: t.clock.now(), energyWh: 6000, powerW: 30_000 });
    await new Promise((r) => setImmediate(r));
    expect(seen.map((v) => v.energyWh)).toEqual([5000]); // on its way while the read still hangs
    expect(reads).toBe(1); // the names are being read again, once
    t.stores.renameStation('Renamed hub');
    release();
    await new Promise((r) => setImmediate(r));
    t.advance(10_000);
    await t.sut.meterSampled({ chargerId: 'CP1', transactionId: 7, at: t.clock.now(), energyWh: 6500, powerW: 30_000 });
    expect(seen.at(-1)).toEqual({ energyWh: 5500, stationName: 'Renamed hub' });
    expect(reads).toBe(1);
  });
});
