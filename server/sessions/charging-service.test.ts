import { createHmac } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { registerCharger } from '../chargers/registration.js';
import { silentLogger } from '../log.js';
import { ChargerRepository } from '../store/charger-repository.js';
import type { Db } from '../store/db.js';
import { OutboxRepository } from '../store/outbox-repository.js';
import { StationRepository } from '../store/station-repository.js';
import { aTariff } from '../../tests/helpers/builders.js';
import { freshDb } from '../../tests/helpers/db.js';
import { FakeChargers, FakePayments, TEST_SERVER_SECRET } from '../../tests/helpers/fakes.js';
import { ChargingService, ServiceError } from './charging-service.js';

let db: Db;
let clockNow = new Date('2026-11-22T10:00:00Z');
const clock = { now: () => clockNow };
let seq = 0;
const ids = { sessionId: () => `5e55${String(++seq).padStart(8, '0')}`, sessionToken: () => `tok_${String(seq).padStart(24, 'x')}` };

async function setUp() {
  db = await freshDb();
  const stations = new StationRepository();
  await stations.upsertTariff(db, aTariff({ id: 'std' }));
  await stations.upsertStation(db, { id: 'st1', name: 'Test Station', address: 'Street 1', city: 'Oslo', lat: 59.9, lng: 10.7, tariffId: 'std' });
  for (const id of ['CP1', 'CP2']) {
    await registerCharger(db, { id, password: 'a-long-charger-password', connectors: 1, stationId: 'st1' });
    const repo = new ChargerRepository(db);
    await repo.markOnline(id, 'n1', clockNow);
    await repo.setConnectorStatus(id, 1, 'available', null, clockNow);
  }
}

function service(payments = new FakePayments(), chargers = new FakeChargers()) {
  const sut = new ChargingService({
    db,
    payments,
    chargers,
    logger: silentLogger,
    clock,
    ids,
    secret: TEST_SERVER_SECRET,
    settings: {
      publicUrl: 'http://plugpay.test',
      meterIntervalSeconds: 10,
      startTimeoutSeconds: 60,
      offlineGraceSeconds: 300,
      reserve: { defaultOre: 35000, minOre: 10000, maxOre: 100000, presetsOre: [20000, 35000, 50000] },
      termsUrl: '/terms'
    }
  });
  return { sut, payments, chargers };
}

/** Runs every due outbox job, as the worker would. */
async function drain(sut: ChargingService) {
  const outbox = new OutboxRepository({ now: () => clockNow });
  for (;;) {
    const job = await outbox.claim(db, clockNow);
    if (!job) return;
    await sut.runJob(job);
    await outbox.complete(db, job.id);
  }
}

const webhook = (reference: string, name: string, amountOre = 35000) => ({
  reference,
  pspReference: `psp-${name}`,
  name,
  amountOre,
  success: true,
  timestamp: clockNow.toISOString()
});

/** A session reserved on CP1-1, authorized (learned by polling) and charging as `transactionId`. */
async function aChargingSession(sut: ChargingService, payments: FakePayments, transactionId: number, meterStartWh = 0) {
  const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
  const ref = `plugpay-${s.sessionId}`;
  payments.authorize(ref);
  await sut.pollPendingPayments();
  const idTag = `PP${s.sessionId.toUpperCase()}`;
  expect(await sut.transactionStarted({ chargerId: 'CP1', connectorNo: 1, transactionId, idTag, meterStartWh, at: clockNow })).toBe('accepted');
  return { s, ref };
}

describe('ChargingService', () => {
  beforeEach(async () => {
    await db?.close();
    await setUp();
    clockNow = new Date('2026-11-22T10:00:00Z');
  });
  afterAll(async () => db?.close());

  it('runs the whole way: reserve, authorize, start, meter, stop, capture the cost, release the rest, receipt', async () => {
    const { sut, payments, chargers } = service();
    const start = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    expect(start.redirectUrl).toMatch(/^https:\/\/app\.example\//);
    const ref = `plugpay-${start.sessionId}`;
    expect(payments.calls[0]).toEqual({ op: 'reserve', reference: ref, amountOre: 35000, key: `${ref}-create` });

    payments.authorize(ref);
    await sut.onPaymentNotification(webhook(ref, 'AUTHORIZED'));
    expect(chargers.calls[0]).toMatchObject({ op: 'remoteStart', chargerId: 'CP1', arg: { connectorNo: 1, idTag: `PP${start.sessionId.toUpperCase()}` } });
    expect(await sut.authorize(`PP${start.sessionId.toUpperCase()}`)).toBe('accepted');

    const verdict = await sut.transactionStarted({ chargerId: 'CP1', connectorNo: 1, transactionId: 41, idTag: `PP${start.sessionId.toUpperCase()}`, meterStartWh: 100000, at: clockNow });
    expect(verdict).toBe('accepted');
    clockNow = new Date(clockNow.getTime() + 50 * 60_000);
    await sut.meterSampled({ chargerId: 'CP1', transactionId: 41, at: clockNow, energyWh: 120000, powerW: 22000 });
    let view = await sut.sessionView(start.sessionId, start.token);
    expect(view).toMatchObject({ state: 'charging', energyWh: 20000, powerW: 22000, costOre: 10000 });

    view = await sut.stopSession(start.sessionId, start.token);
    expect(view.state).toBe('stopping');
    await sut.stopSession(start.sessionId, start.token); // tapped twice
    expect(chargers.count('remoteStop')).toBe(1);

    await sut.transactionStopped({ chargerId: 'CP1', transactionId: 41, meterStopWh: 143228, at: clockNow, reason: 'Remote' });
    await drain(sut);
    const p = payments.payments.get(ref)!;
    expect(p).toMatchObject({ authorizedOre: 35000, capturedOre: 21614, cancelledOre: 13386 });
    expect(payments.calls.filter((c) => c.op === 'capture')).toEqual([{ op: 'capture', reference: ref, amountOre: 21614, key: `${ref}-capture` }]);
    expect(payments.calls.find((c) => c.op === 'cancel')?.key).toBe(`${ref}-cancel`);
    expect(payments.receipts.get(ref)?.lines[0]).toMatchObject({ quantity: '43.228', unit: 'KWH', totalOre: 21614, vatRateBp: 2500 });
    expect(payments.receipts.get(ref)?.posId).toBe('CP1-1');
    const link = new URL(payments.links.get(ref)!);
    expect(link.pathname).toBe(`/s/${start.sessionId}`);
    // The app's link opens the receipt without the driver's cookie, and can stop nothing.
    const readOnly = link.searchParams.get('t')!;
    expect(readOnly).not.toBe(start.token);
    expect((await sut.sessionView(start.sessionId, readOnly)).state).toBe('completed');
    await expect(sut.stopSession(start.sessionId, readOnly)).rejects.toMatchObject({ status: 403 });
    // Whoever holds a copy of the database cannot make that link: it is keyed with the server secret.
    const { rows } = await db.query<{ token_hash: string }>('select token_hash from charging_sessions where id = $1', [start.sessionId]);
    const fromDatabase = createHmac('sha256', rows[0].token_hash).update(`receipt:${start.sessionId}`).digest('base64url');
    await expect(sut.sessionView(start.sessionId, fromDatabase)).rejects.toMatchObject({ status: 403 });

    view = await sut.sessionView(start.sessionId, start.token);
    expect(view.state).toBe('completed');
    expect(view.receipt).toMatchObject({ energyWh: 43228, costOre: 21614, capturedOre: 21614, releasedOre: 13386, reservedOre: 35000, vatOre: 4323 });
  });

  it('learns authorization by polling when no webhook comes, and a late duplicate webhook changes nothing', async () => {
    const { sut, payments, chargers } = service();
    const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 20000 });
    const ref = `plugpay-${s.sessionId}`;
    await sut.pollPendingPayments();
    expect(chargers.count('remoteStart')).toBe(0);
    payments.authorize(ref);
    await sut.pollPendingPayments();
    expect(chargers.count('remoteStart')).toBe(1);
    await sut.onPaymentNotification(webhook(ref, 'AUTHORIZED', 20000));
    await sut.onPaymentNotification(webhook(ref, 'AUTHORIZED', 20000));
    expect(chargers.count('remoteStart')).toBe(1);
  });

  it('ends a rejected payment with a message and no charge', async () => {
    const { sut, payments } = service();
    const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    await sut.onPaymentNotification(webhook(`plugpay-${s.sessionId}`, 'ABORTED'));
    const v = await sut.sessionView(s.sessionId, s.token);
    expect(v.state).toBe('failed');
    expect(v.message).toMatch(/declined/);
    expect(payments.count('capture')).toBe(0);
  });

  it('releases the reservation when the charger refuses to start', async () => {
    const chargers = new FakeChargers();
    chargers.startAnswer = 'rejected';
    const { sut, payments } = service(new FakePayments(), chargers);
    const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    const ref = `plugpay-${s.sessionId}`;
    payments.authorize(ref);
    await sut.onPaymentNotification(webhook(ref, 'AUTHORIZED'));
    await drain(sut);
    expect(payments.payments.get(ref)).toMatchObject({ capturedOre: 0, cancelledOre: 35000 });
    const v = await sut.sessionView(s.sessionId, s.token);
    expect(v.state).toBe('failed');
    expect(v.message).toMatch(/refused/);
  });

  it('releases the reservation when no StartTransaction comes in time, and refuses a late one', async () => {
    const { sut, payments, chargers } = service();
    const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    const ref = `plugpay-${s.sessionId}`;
    payments.authorize(ref);
    await sut.pollPendingPayments();
    await drain(sut); // not due yet
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('starting');
    clockNow = new Date(clockNow.getTime() + 61_000);
    await drain(sut);
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('failed');
    expect(payments.payments.get(ref)?.cancelledOre).toBe(35000);
    const late = await sut.transactionStarted({ chargerId: 'CP1', connectorNo: 1, transactionId: 9, idTag: `PP${s.sessionId.toUpperCase()}`, meterStartWh: 0, at: clockNow });
    expect(late).toBe('invalid');
    await new Promise((r) => setTimeout(r, 5));
    expect(chargers.calls.at(-1)).toMatchObject({ op: 'remoteStop', arg: 9 });
  });

  it('answers a repeated StartTransaction the same way without applying it twice', async () => {
    const { sut, payments } = service();
    const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    payments.authorize(`plugpay-${s.sessionId}`);
    await sut.pollPendingPayments();
    const started = { chargerId: 'CP1', connectorNo: 1, transactionId: 21, idTag: `PP${s.sessionId.toUpperCase()}`, meterStartWh: 100, at: clockNow };
    expect(await sut.transactionStarted(started)).toBe('accepted');
    await sut.meterSampled({ chargerId: 'CP1', transactionId: 21, at: new Date(clockNow.getTime() + 1000), energyWh: 600, powerW: 11000 });
    expect(await sut.transactionStarted(started)).toBe('accepted');
    expect((await sut.sessionView(s.sessionId, s.token)).energyWh).toBe(500); // not reset by the repeat
    await sut.transactionStopped({ chargerId: 'CP1', transactionId: 21, meterStopWh: 600, at: clockNow, reason: 'Local' });
    expect(await sut.transactionStarted(started)).toBe('invalid');
  });

  it('never captures twice when settling is interrupted and retried', async () => {
    const { sut, payments } = service();
    const { s, ref } = await aChargingSession(sut, payments, 5, 0);
    clockNow = new Date(clockNow.getTime() + 600_000);
    await sut.transactionStopped({ chargerId: 'CP1', transactionId: 5, meterStopWh: 10000, at: clockNow, reason: 'Local' });
    payments.failNext.cancel = 1; // captured, then the release fails (a crash or an outage)
    const outbox = new OutboxRepository({ now: () => clockNow });
    // The start timeout fell due too (the clock moved 10 minutes); it changes nothing now.
    let job = (await outbox.claim(db, clockNow))!;
    while (job.kind !== 'settle') {
      await sut.runJob(job);
      await outbox.complete(db, job.id);
      job = (await outbox.claim(db, clockNow))!;
    }
    await expect(sut.runJob(job)).rejects.toThrow(/outage/);
    await sut.runJob(job); // the retry
    expect(payments.count('capture')).toBe(1);
    expect(payments.payments.get(ref)).toMatchObject({ capturedOre: 5000, cancelledOre: 30000 });
    // A duplicate StopTransaction after a reboot is harmless.
    await sut.transactionStopped({ chargerId: 'CP1', transactionId: 5, meterStopWh: 10000, at: clockNow, reason: 'Local' });
    const kinds = (await outbox.pending(db, s.sessionId)).map((j) => j.kind).sort();
    expect(kinds).toEqual(['receipt', 'settle']); // one settle (not yet marked done here), one receipt
  });

  it('cancels without capturing when nothing was delivered', async () => {
    const { sut, payments } = service();
    const { s, ref } = await aChargingSession(sut, payments, 6, 500);
    await sut.transactionStopped({ chargerId: 'CP1', transactionId: 6, meterStopWh: 500, at: clockNow, reason: 'EVDisconnected' });
    await drain(sut);
    expect(payments.count('capture')).toBe(0);
    expect(payments.count('receipt')).toBe(0);
    expect(payments.payments.get(ref)).toMatchObject({ capturedOre: 0, cancelledOre: 35000 });
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('completed');
  });

  it('finalizes from the last meter reading when the charger stays offline', async () => {
    const { sut, payments } = service();
    const { s, ref } = await aChargingSession(sut, payments, 8, 0);
    await sut.meterSampled({ chargerId: 'CP1', transactionId: 8, at: clockNow, energyWh: 4000, powerW: 11000 });
    await new ChargerRepository(db).markOffline('CP1', 'n1', clockNow);
    await sut.chargerOffline({ chargerId: 'CP1', at: clockNow });
    await drain(sut);
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('charging');
    clockNow = new Date(clockNow.getTime() + 301_000);
    await drain(sut);
    const v = await sut.sessionView(s.sessionId, s.token);
    expect(v.state).toBe('completed');
    expect(v.stopReason).toBe('offline');
    expect(payments.payments.get(ref)).toMatchObject({ capturedOre: 2000, cancelledOre: 33000 });
  });

  it('bills from the last reading when a rebooted charger reports the connector free and never stops the transaction', async () => {
    const { sut, payments } = service();
    const { s, ref } = await aChargingSession(sut, payments, 12, 0);
    await sut.meterSampled({ chargerId: 'CP1', transactionId: 12, at: clockNow, energyWh: 3000, powerW: 11000 });
    await new ChargerRepository(db).setConnectorStatus('CP1', 1, 'available', null, clockNow);
    await sut.connectorStatusChanged({ chargerId: 'CP1', connectorNo: 1, status: 'available', at: clockNow });
    await drain(sut);
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('charging'); // a queued StopTransaction may still come
    clockNow = new Date(clockNow.getTime() + 61_000);
    await drain(sut);
    const v = await sut.sessionView(s.sessionId, s.token);
    expect(v.state).toBe('completed');
    expect(payments.payments.get(ref)).toMatchObject({ capturedOre: 1500, cancelledOre: 33500 });
  });

  it('keeps charging when the StopTransaction arrives before the check', async () => {
    const { sut, payments } = service();
    const { s, ref } = await aChargingSession(sut, payments, 13, 0);
    await sut.connectorStatusChanged({ chargerId: 'CP1', connectorNo: 1, status: 'available', at: clockNow });
    await sut.transactionStopped({ chargerId: 'CP1', transactionId: 13, meterStopWh: 4000, at: clockNow, reason: 'Reboot' });
    clockNow = new Date(clockNow.getTime() + 61_000);
    await drain(sut);
    expect(payments.payments.get(ref)).toMatchObject({ capturedOre: 2000, cancelledOre: 33000 });
    expect(payments.count('capture')).toBe(1);
  });

  it('gives the connector to the next driver when a reservation is left unapproved, and releases it', async () => {
    const { sut, payments } = service();
    const first = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    await expect(sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 })).rejects.toMatchObject({ status: 409 });
    clockNow = new Date(clockNow.getTime() + 121_000);
    expect(await sut.connectorView('CP1-1')).toMatchObject({ available: true });
    const second = await sut.startSession({ connectorId: 'CP1-1', amountOre: 20000 });
    const v = await sut.sessionView(first.sessionId, first.token);
    expect(v.state).toBe('failed');
    expect(v.message).toMatch(/another driver/);
    // The first driver approves late: it is released, never charged.
    payments.authorize(`plugpay-${first.sessionId}`);
    await sut.onPaymentNotification(webhook(`plugpay-${first.sessionId}`, 'AUTHORIZED'));
    await drain(sut);
    expect(payments.payments.get(`plugpay-${first.sessionId}`)).toMatchObject({ capturedOre: 0, cancelledOre: 35000 });
    expect((await sut.sessionView(second.sessionId, second.token)).state).toBe('awaiting_payment');
  });

  it('releases a payment authorized after its release already ran', async () => {
    const { sut, payments } = service();
    const first = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    const ref = `plugpay-${first.sessionId}`;
    clockNow = new Date(clockNow.getTime() + 121_000);
    await sut.startSession({ connectorId: 'CP1-1', amountOre: 20000 }); // abandons the first
    await drain(sut); // its release runs: the pending payment is cancelled
    expect(payments.payments.get(ref)?.status).toBe('terminated');
    // The cancel raced the driver's approval (Vipps cannot cancel mid-authorization).
    payments.authorize(ref);
    await sut.onPaymentNotification(webhook(ref, 'AUTHORIZED'));
    await drain(sut);
    expect(payments.payments.get(ref)).toMatchObject({ capturedOre: 0, cancelledOre: 35000 });
    expect(payments.count('capture')).toBe(0);
  });

  it('refuses bad input without changing anything', async () => {
    const { sut, payments } = service();
    await expect(sut.startSession({ connectorId: 'nope', amountOre: 35000 })).rejects.toMatchObject({ status: 404 });
    await expect(sut.startSession({ connectorId: 'CP1-1', amountOre: 50 })).rejects.toMatchObject({ status: 400 });
    await expect(sut.startSession({ connectorId: 'CP1-1', amountOre: 350.5 })).rejects.toBeInstanceOf(ServiceError);
    const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    await expect(sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 })).rejects.toMatchObject({ status: 409 });
    await expect(sut.sessionView(s.sessionId, 'wrong-token-wrong-token')).rejects.toMatchObject({ status: 403 });
    await expect(sut.stopSession(s.sessionId, undefined)).rejects.toMatchObject({ status: 403 });
    await expect(sut.sessionView('unknown00000', s.token)).rejects.toMatchObject({ status: 404 });
    expect(payments.count('reserve')).toBe(1);
    // A webhook for a payment plugpay never made changes nothing.
    await sut.onPaymentNotification(webhook('plugpay-unknown', 'AUTHORIZED'));
  });

  it('says why a connector cannot take a payment', async () => {
    const { sut } = service();
    await new ChargerRepository(db).setConnectorStatus('CP2', 1, 'faulted', 'GroundFailure', clockNow);
    expect(await sut.connectorView('CP2-1')).toMatchObject({ available: false, status: 'faulted' });
    await new ChargerRepository(db).markOffline('CP2', 'n1', clockNow);
    expect(await sut.connectorView('CP2-1')).toMatchObject({ available: false, status: 'offline', unavailableReason: expect.stringMatching(/offline/) });
    expect(await sut.connectorView('CP1-1')).toMatchObject({ available: true, tariff: { pricePerKwhOre: 500, vatRateBp: 2500 } });
    expect(await sut.connectorView('missing')).toBeNull();
  });
});
