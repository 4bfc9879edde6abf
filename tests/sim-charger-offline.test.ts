import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimCharger, type SimChargerOptions } from '../server/sim/charger/charger.js';
import { startFakeCentralSystem, type FakeCentralSystem, type RecordedCall } from '../server/sim/charger/fake-central-system.js';

let csms: FakeCentralSystem;
const chargers: SimCharger[] = [];
let counter = 0;

beforeAll(async () => {
  csms = await startFakeCentralSystem({ passwords: { 'OFF-AUTH': 'right' } });
});
afterEach(async () => {
  await Promise.all(chargers.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await csms.close();
});

function aCharger(over: Partial<SimChargerOptions> = {}): SimCharger {
  const c = new SimCharger({
    id: `OFF-${++counter}`,
    password: 'secret',
    url: csms.url,
    connectors: [{ maxPowerW: 22_000 }],
    meterIntervalSeconds: 1,
    timeScale: 20,
    reconnectDelayMs: { initial: 50, max: 200 },
    ...over
  });
  chargers.push(c);
  return c;
}

const of = (c: SimCharger) => (r: RecordedCall) => r.identity === c.id;
const callsOf = (c: SimCharger) => csms.calls.filter(of(c));
const register = (mv: any) => Number(mv.sampledValue.find((s: any) => s.measurand === 'Energy.Active.Import.Register').value);
const txTime = (r: RecordedCall) => Date.parse(r.method === 'MeterValues' ? r.params.meterValue[0].timestamp : r.params.timestamp);

async function meterEvents(c: SimCharger, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await once(c, 'meter');
}

describe('SimCharger offline queue (§3.7 transaction-related messages)', () => {
  it('keeps charging offline and delivers Start, MeterValues and Stop after the new boot, in order, with original timestamps', async () => {
    const c = aCharger({ behaviour: { autoPlug: false } });
    await c.start();
    c.plugIn(1);
    await c.goOffline();
    expect(c.online).toBe(false);
    const offlineSince = Date.now();

    // Started offline: the card is accepted locally, the StartTransaction waits in the queue.
    expect(await c.presentIdTag(1, 'CARD-1')).toBe('Accepted');
    expect(c.status(1)).toBe('Charging');
    await meterEvents(c, 3);
    c.pressStop(1);
    const meterStop = c.meterWh(1);
    expect(c.queuedMessages).toBeGreaterThanOrEqual(5);
    const before = callsOf(c).length;

    const started = once(c, 'transaction-started');
    await c.comeOnline();
    const stop = await csms.waitFor('StopTransaction', of(c));
    const [{ transactionId: txId }] = await started;
    const after = callsOf(c).slice(before);
    expect(after[0].method).toBe('BootNotification');
    const txMsgs = after.filter((r) => ['StartTransaction', 'MeterValues', 'StopTransaction'].includes(r.method));
    expect(txMsgs[0].method).toBe('StartTransaction');
    expect(txMsgs.at(-1)).toBe(stop);
    expect(txMsgs.slice(1, -1).every((r) => r.method === 'MeterValues')).toBe(true);
    expect(txMsgs.length).toBeGreaterThanOrEqual(5);

    // The id the central system gave in StartTransaction.conf reaches the queued messages.
    expect(txId).toBeGreaterThan(1000);
    for (const r of txMsgs.slice(1)) expect(r.params.transactionId).toBe(txId);

    // Original timestamps: taken while offline, in order, before the reconnect.
    const bootAt = after[0].receivedAt;
    const times = txMsgs.map(txTime);
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(offlineSince - 1);
      expect(t).toBeLessThanOrEqual(bootAt);
    }
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const registers = txMsgs.slice(1, -1).map((r) => register(r.params.meterValue[0]));
    expect([...registers].sort((a, b) => a - b)).toEqual(registers);
    expect(stop.params).toMatchObject({ reason: 'Local', meterStop });
  });

  it('queues the MeterValues of a transaction started online, with its known id', async () => {
    const c = aCharger();
    await c.start();
    await csms.call(c.id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'ONLINE' });
    const [started] = await once(c, 'transaction-started');
    await c.goOffline();
    await meterEvents(c, 2);
    const queued = c.queuedMessages;
    expect(queued).toBeGreaterThanOrEqual(2);
    const before = callsOf(c).length;
    await c.comeOnline();
    await csms.waitForNth('MeterValues', queued, (r) => of(c)(r) && r.seq >= before);
    const delivered = callsOf(c).slice(before).filter((r) => r.method === 'MeterValues');
    for (const r of delivered) expect(r.params.transactionId).toBe(started.transactionId);
  });

  it('reconnects by itself after an unexpected drop and boots again', async () => {
    const c = aCharger();
    await c.start();
    const offline = once(c, 'offline');
    // The central system's side of the socket goes away.
    await csms.call(c.id, 'Reset', { type: 'Soft' });
    await offline;
    await once(c, 'online');
    expect(callsOf(c).filter((r) => r.method === 'BootNotification')).toHaveLength(2);
  });

  it('refuses to come online with a wrong password (security profile 1)', async () => {
    const c = new SimCharger({ id: 'OFF-AUTH', password: 'right', url: csms.url, connectors: [{ maxPowerW: 11_000 }] });
    chargers.push(c);
    await c.start();
    expect(c.online).toBe(true);
    const bad = new SimCharger({ id: 'OFF-AUTH', password: 'wrong', url: csms.url, connectors: [{ maxPowerW: 11_000 }], reconnectDelayMs: { initial: 10_000, max: 10_000 } });
    chargers.push(bad);
    const failed = once(bad, 'connection-failed');
    void bad.comeOnline();
    // The attempt fails at the HTTP upgrade (401); the next one is scheduled far away.
    const [err] = await failed;
    expect(String(err.message)).toMatch(/401|bad password|Unauthorized/i);
    expect(bad.online).toBe(false);
  });
});

describe('SimCharger reboot and reset', () => {
  it('reboot mid-transaction: after the new boot, StopTransaction with reason Reboot', async () => {
    const c = aCharger();
    await c.start();
    await csms.call(c.id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'R' });
    const [started] = await once(c, 'transaction-started');
    await once(c, 'meter');
    const [stopped] = await Promise.all([once(c, 'transaction-stopped'), c.reboot()]);
    expect(stopped[0]).toMatchObject({ reason: 'Reboot', transactionId: started.transactionId });
    const stop = await csms.waitFor('StopTransaction', of(c));
    // A MeterValues already in flight may land after the drop; the stop must follow the second boot.
    const secondBoot = await csms.waitForNth('BootNotification', 2, of(c));
    expect(stop.seq).toBeGreaterThan(secondBoot.seq);
    expect(stop.params).toMatchObject({ reason: 'Reboot', transactionId: started.transactionId, meterStop: stopped[0].meterStopWh });
    expect(c.transactionId(1)).toBeUndefined();
  });

  it('Reset Soft: StopTransaction reason SoftReset, then a new boot', async () => {
    const c = aCharger();
    await c.start();
    await csms.call(c.id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'S' });
    await once(c, 'transaction-started');
    const before = callsOf(c).length;
    expect(await csms.call(c.id, 'Reset', { type: 'Hard' })).toEqual({ status: 'Accepted' });
    const stop = await csms.waitFor('StopTransaction', of(c));
    expect(stop.params.reason).toBe('HardReset');
    const boot = await csms.waitFor('BootNotification', (r) => of(c)(r) && r.seq > stop.seq);
    expect(callsOf(c).slice(before).indexOf(boot)).toBeGreaterThan(callsOf(c).slice(before).indexOf(stop));
  });
});
