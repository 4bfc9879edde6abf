import { createHmac } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { registerCharger } from '../chargers/registration.js';
import { silentLogger } from '../log.js';
import { ChargerRepository } from '../store/charger-repository.js';
import type { Db } from '../store/db.js';
import { OutboxRepository } from '../store/outbox-repository.js';
import { StationRepository } from '../store/station-repository.js';
import { aChargingSettings, aTariff } from '../../tests/helpers/builders.js';
import { freshDb } from '../../tests/helpers/db.js';
import { FakeChargers, FakePayments, TEST_SERVER_SECRET } from '../../tests/helpers/fakes.js';
import { ChargerUnavailableError } from '../chargers/port.js';
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
    // 150 kW DC: the cases below deliver up to 60 kW, within what the connector can do.
    await registerCharger(db, { id, password: 'a-long-charger-password', connectors: 1, stationId: 'st1', maxPowerW: 150_000 });
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
    settings: aChargingSettings()
  });
  return { sut, payments, chargers };
}

/** A migrated database with two chargers for every case, and the clock back at its start. */
function aFreshDatabaseForEachCase() {
  beforeEach(async () => {
    await db?.close();
    await setUp();
    clockNow = new Date('2026-11-22T10:00:00Z');
  });
  afterAll(async () => {
    await db?.close();
    db = undefined as unknown as Db;
  });
}

/**
 * Runs every due outbox job once, as the worker would: a job that fails or asks to wait is put
 * back for later (by the frozen clock), so it runs again only when the test moves the clock.
 */
async function drain(sut: ChargingService) {
  const outbox = new OutboxRepository({ now: () => clockNow });
  for (;;) {
    const job = await outbox.claim(db, clockNow);
    if (!job) return;
    try {
      await sut.runJob(job);
      await outbox.complete(db, job);
    } catch (err) {
      const wait = (err as { retryAfterMs?: number }).retryAfterMs ?? 1000;
      await outbox.retryLater(db, job, new Date(clockNow.getTime() + Math.max(1, wait)), String(err));
    }
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
  await drain(sut); // RemoteStart
  const idTag = `PP${s.sessionId.toUpperCase()}`;
  expect(await sut.transactionStarted({ chargerId: 'CP1', connectorNo: 1, transactionId, idTag, meterStartWh, at: clockNow })).toBe('accepted');
  return { s, ref };
}

describe('ChargingService', () => {
  aFreshDatabaseForEachCase();

  it('runs the whole way: reserve, authorize, start, meter, stop, capture the cost, release the rest, receipt', async () => {
    const { sut, payments, chargers } = service();
    const start = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    expect(start.redirectUrl).toMatch(/^https:\/\/app\.example\//);
    const ref = `plugpay-${start.sessionId}`;
    expect(payments.calls[0]).toEqual({ op: 'reserve', reference: ref, amountOre: 35000, key: `${ref}-create` });

    payments.authorize(ref);
    await sut.onPaymentNotification(webhook(ref, 'AUTHORIZED'));
    await drain(sut);
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
    await drain(sut);
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
    await drain(sut);
    expect(chargers.count('remoteStart')).toBe(1);
    await sut.onPaymentNotification(webhook(ref, 'AUTHORIZED', 20000));
    await sut.onPaymentNotification(webhook(ref, 'AUTHORIZED', 20000));
    await drain(sut);
    expect(chargers.count('remoteStart')).toBe(1);
  });

  it('ends a rejected payment with a message and no charge', async () => {
    const { sut, payments } = service();
    const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    payments.payments.get(`plugpay-${s.sessionId}`)!.status = 'rejected';
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
    clockNow = new Date(clockNow.getTime() + 1000);
    await drain(sut); // the stray transaction's stop is a job
    expect(chargers.calls.at(-1)).toMatchObject({ op: 'remoteStop', arg: 9 });
  });

  it('answers a repeated StartTransaction the same way without applying it twice', async () => {
    const { sut, payments } = service();
    const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    payments.authorize(`plugpay-${s.sessionId}`);
    await sut.pollPendingPayments();
    const started = { chargerId: 'CP1', connectorNo: 1, transactionId: 21, idTag: `PP${s.sessionId.toUpperCase()}`, meterStartWh: 100, at: clockNow };
    expect(await sut.transactionStarted(started)).toBe('accepted');
    clockNow = new Date(clockNow.getTime() + 300_000);
    await sut.meterSampled({ chargerId: 'CP1', transactionId: 21, at: clockNow, energyWh: 600, powerW: 11000 });
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
      await outbox.complete(db, job);
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
    clockNow = new Date(clockNow.getTime() + 600_000);
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
    clockNow = new Date(clockNow.getTime() + 600_000);
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
    clockNow = new Date(clockNow.getTime() + 600_000);
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

/**
 * Money holes found by fault injection (issue 7 §2). Each case failed before its fix.
 */
describe('ChargingService under faults', () => {
  aFreshDatabaseForEachCase();

  const jobs = async (sessionId: string) => (await new OutboxRepository({ now: () => clockNow }).pending(db, sessionId)).map((j) => j.kind).sort();

  it('keeps sending a stop the charger refuses, keeps the driver\'s Stop working, and takes the connector out of service at the deadline', async () => {
    const chargers = new FakeChargers();
    const { sut, payments } = service(new FakePayments(), chargers);
    const alerts: string[] = [];
    sut.hooks.stopUnconfirmed = (s) => alerts.push(s.id);
    const { s } = await aChargingSession(sut, payments, 31, 0);
    chargers.stopAnswer = 'rejected';
    clockNow = new Date(clockNow.getTime() + 600_000);
    await sut.stopSession(s.sessionId, s.token);
    await drain(sut);
    expect(chargers.count('remoteStop')).toBe(1);
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('stopping'); // not silently back to charging
    // Retried with backoff: 1 s, then 2 s …
    clockNow = new Date(clockNow.getTime() + 1000);
    await drain(sut);
    expect(chargers.count('remoteStop')).toBe(2);
    clockNow = new Date(clockNow.getTime() + 1000);
    await drain(sut);
    expect(chargers.count('remoteStop')).toBe(2);
    // The driver presses Stop again: sent at once.
    await sut.stopSession(s.sessionId, s.token);
    await drain(sut);
    expect(chargers.count('remoteStop')).toBe(3);
    // No StopTransaction by the deadline: Inoperative, and an alert.
    clockNow = new Date(clockNow.getTime() + 181_000);
    await drain(sut);
    expect(chargers.calls.filter((c) => c.op === 'changeAvailability')).toEqual([{ op: 'changeAvailability', chargerId: 'CP1', arg: { connectorNo: 1, available: false } }]);
    expect(alerts).toEqual([s.sessionId]);
    expect(await jobs(s.sessionId)).toContain('remote-stop'); // still trying
    // The charger finally stops: settled, and the stop job ends.
    chargers.stopAnswer = 'accepted';
    await sut.transactionStopped({ chargerId: 'CP1', transactionId: 31, meterStopWh: 8000, at: clockNow, reason: 'Remote' });
    clockNow = new Date(clockNow.getTime() + 60_000);
    await drain(sut);
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('completed');
    expect(await jobs(s.sessionId)).toEqual([]);
  });

  it('retries an auto-stop the charger ignores instead of letting it charge on unnoticed', async () => {
    const chargers = new FakeChargers();
    const { sut, payments } = service(new FakePayments(), chargers);
    const { s } = await aChargingSession(sut, payments, 32, 0);
    chargers.stopAnswer = new ChargerUnavailableError('CP1');
    clockNow = new Date(clockNow.getTime() + 3000_000);
    await sut.meterSampled({ chargerId: 'CP1', transactionId: 32, at: clockNow, energyWh: 69_800, powerW: 50_000 }); // 349 kr of 350
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('stopping');
    for (let i = 0; i < 5; i++) {
      clockNow = new Date(clockNow.getTime() + 30_000);
      await drain(sut);
    }
    expect(chargers.count('remoteStop')).toBe(5);
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('stopping');
  });

  it('waits for a charger that is reconnecting before it gives up on RemoteStart (a restart of plugpay)', async () => {
    const chargers = new FakeChargers();
    chargers.startAnswer = new ChargerUnavailableError('CP1');
    const { sut, payments } = service(new FakePayments(), chargers);
    const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    payments.authorize(`plugpay-${s.sessionId}`);
    await sut.pollPendingPayments();
    await drain(sut);
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('starting');
    chargers.startAnswer = 'accepted'; // it is back
    clockNow = new Date(clockNow.getTime() + 2000);
    await drain(sut);
    expect(chargers.count('remoteStart')).toBe(2);
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('starting');
    expect(await jobs(s.sessionId)).toEqual(['start-timeout']);
  });

  it('asks Vipps before it believes a signed AUTHORIZED webhook', async () => {
    const { sut, payments, chargers } = service();
    const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    // Forged (or early): the payment is not authorized at Vipps.
    await sut.onPaymentNotification(webhook(`plugpay-${s.sessionId}`, 'AUTHORIZED'));
    await drain(sut);
    expect(chargers.count('remoteStart')).toBe(0);
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('awaiting_payment');
    expect(payments.calls.some((c) => c.op === 'get')).toBe(true);
  });

  it('frees the connector from a ghost session whose payment was never created (killed in between)', async () => {
    const payments = new FakePayments();
    payments.failNext.reserve = 1; // the process "dies" here: the session row exists, the payment does not
    const { sut } = service(payments);
    await expect(sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 })).rejects.toMatchObject({ status: 502 });
    // After a failed create plugpay marks it failed; a kill leaves it awaiting payment. Make that ghost.
    await db.query(`update charging_sessions set state = 'awaiting_payment', failure = null, stop_reason = null`);
    payments.payments.clear();
    clockNow = new Date(clockNow.getTime() + 46_000);
    await sut.pollPendingPayments();
    expect(await sut.connectorView('CP1-1')).toMatchObject({ available: true });
  });

  it('refuses a session paid for connector 1 on connector 2', async () => {
    const { sut, payments } = service();
    const s = await sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 });
    payments.authorize(`plugpay-${s.sessionId}`);
    await sut.pollPendingPayments();
    const idTag = `PP${s.sessionId.toUpperCase()}`;
    expect(await sut.transactionStarted({ chargerId: 'CP1', connectorNo: 2, transactionId: 33, idTag, meterStartWh: 0, at: clockNow })).toBe('invalid');
    expect((await sut.sessionView(s.sessionId, s.token)).state).toBe('starting');
  });

  it('answers StopTransaction for the session\'s own tag with its status at the start, even once it is spent', async () => {
    const { sut, payments } = service();
    const { s } = await aChargingSession(sut, payments, 34, 0);
    const idTag = `PP${s.sessionId.toUpperCase()}`;
    clockNow = new Date(clockNow.getTime() + 600_000);
    await sut.transactionStopped({ chargerId: 'CP1', transactionId: 34, meterStopWh: 3000, at: clockNow, reason: 'Local' });
    expect(await sut.authorize(idTag)).toBe('invalid'); // spent for new starts
    expect(await sut.stopVerdict({ chargerId: 'CP1', transactionId: 34, idTag })).toBe('accepted');
    expect(await sut.stopVerdict({ chargerId: 'CP1', transactionId: 34, idTag: 'SOMEONE-ELSE' })).toBe('invalid');
  });

  it('applies a StopTransaction that arrives again after the first was lost in a crash, with its own meter and time', async () => {
    const { sut, payments } = service();
    const { s, ref } = await aChargingSession(sut, payments, 35, 1000);
    clockNow = new Date(clockNow.getTime() + 180_000);
    const stop = { chargerId: 'CP1', transactionId: 35, meterStopWh: 2600, at: clockNow, reason: 'Local' };
    await sut.transactionStopped(stop);
    await sut.transactionStopped(stop); // the retry after the crash: harmless
    await drain(sut);
    const v = await sut.sessionView(s.sessionId, s.token);
    expect(v.receipt).toMatchObject({ energyWh: 1600, durationSeconds: 180 });
    expect(payments.payments.get(ref)?.capturedOre).toBe(800);
  });

  it('keeps 64-bit energy registers (a meter past 2^31 Wh)', async () => {
    const { sut, payments } = service();
    const start = 2 ** 31 + 1234;
    const { s, ref } = await aChargingSession(sut, payments, 36, start);
    clockNow = new Date(clockNow.getTime() + 600_000);
    await sut.meterSampled({ chargerId: 'CP1', transactionId: 36, at: clockNow, energyWh: start + 5000, powerW: 30_000 });
    await sut.transactionStopped({ chargerId: 'CP1', transactionId: 36, meterStopWh: start + 5000, at: clockNow, reason: 'Local' });
    await drain(sut);
    expect((await sut.sessionView(s.sessionId, s.token)).receipt?.energyWh).toBe(5000);
    expect(payments.payments.get(ref)?.capturedOre).toBe(2500);
  });

  it('bills a rebooted charger\'s session up to its last reading, not to when it reported the connector free', async () => {
    const { sut, payments } = service(new FakePayments());
    const { s, ref } = await aChargingSession(sut, payments, 37, 0);
    await db.query(`update tariffs set per_minute_ore = 100`);
    await db.query(`update charging_sessions set tariff = jsonb_set(tariff, '{perMinuteOre}', '100')`);
    clockNow = new Date(clockNow.getTime() + 600_000);
    await sut.meterSampled({ chargerId: 'CP1', transactionId: 37, at: clockNow, energyWh: 3000, powerW: 11000 });
    const lastReading = clockNow;
    clockNow = new Date(clockNow.getTime() + 240_000); // away for 4 minutes, back, connector free
    await sut.connectorStatusChanged({ chargerId: 'CP1', connectorNo: 1, status: 'available', at: clockNow });
    clockNow = new Date(clockNow.getTime() + 61_000);
    await drain(sut);
    const v = await sut.sessionView(s.sessionId, s.token);
    expect(v.stoppedAt).toBe(lastReading.toISOString());
    expect(payments.payments.get(ref)?.capturedOre).toBe(1500 + 1000); // 3 kWh and 10 minutes, not 14
  });

  it('keeps one offline check per session however often plugpay restarts', async () => {
    const { sut, payments } = service();
    const { s } = await aChargingSession(sut, payments, 38, 0);
    await new ChargerRepository(db).markOffline('CP1', 'n1', clockNow);
    await sut.chargerOffline({ chargerId: 'CP1', at: clockNow });
    for (let i = 0; i < 3; i++) {
      clockNow = new Date(clockNow.getTime() + 5_000);
      await sut.reconcile();
    }
    expect((await jobs(s.sessionId)).filter((k) => k === 'offline-check')).toHaveLength(1);
  });
});
