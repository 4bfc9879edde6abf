import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimCharger, type SimChargerOptions } from '../server/sim/charger/charger.js';
import { startFakeCentralSystem, type FakeCentralSystem, type RecordedCall } from '../server/sim/charger/fake-central-system.js';

let csms: FakeCentralSystem;
const chargers: SimCharger[] = [];
let counter = 0;

beforeAll(async () => {
  csms = await startFakeCentralSystem({ passwords: {} });
});
afterEach(async () => {
  await Promise.all(chargers.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await csms.close();
});

/** A started charger with a fresh id; 1 simulated second per sample, 20 simulated seconds per real one. */
async function aCharger(over: Partial<SimChargerOptions> = {}): Promise<SimCharger> {
  const c = new SimCharger({
    id: `LC-${++counter}`,
    password: 'secret',
    url: csms.url,
    connectors: [{ maxPowerW: 22_000 }],
    meterIntervalSeconds: 1,
    timeScale: 20,
    ...over
  });
  chargers.push(c);
  await c.start();
  return c;
}

const of = (c: SimCharger) => (r: RecordedCall) => r.identity === c.id;
const callsOf = (c: SimCharger, method?: string) => csms.calls.filter((r) => r.identity === c.id && (!method || r.method === method));
const register = (mv: any) => Number(mv.sampledValue.find((s: any) => s.measurand === 'Energy.Active.Import.Register').value);
const power = (mv: any) => Number(mv.sampledValue.find((s: any) => s.measurand === 'Power.Active.Import').value);
const soc = (mv: any) => Number(mv.sampledValue.find((s: any) => s.measurand === 'SoC').value);

async function remoteStart(c: SimCharger, idTag = 'TAG-1') {
  const conf = await csms.call(c.id, 'RemoteStartTransaction', { connectorId: 1, idTag });
  expect(conf).toEqual({ status: 'Accepted' });
  const start = await csms.waitFor('StartTransaction', of(c));
  if (c.transactionId(1) === undefined) await once(c, 'transaction-started');
  return start;
}

describe('SimCharger lifecycle', () => {
  it('boots, then reports every connector status, connector 0 included', async () => {
    const c = await aCharger({ connectors: [{ maxPowerW: 22_000 }, { maxPowerW: 7_400 }], vendor: 'Acme', model: 'Volt2' });
    await csms.waitForNth('StatusNotification', 3, of(c));
    const seq = callsOf(c).map((r) => r.method + (r.method === 'StatusNotification' ? `:${r.params.connectorId}:${r.params.status}` : ''));
    expect(seq.slice(0, 4)).toEqual(['BootNotification', 'StatusNotification:0:Available', 'StatusNotification:1:Available', 'StatusNotification:2:Available']);
    expect(callsOf(c, 'BootNotification')[0].params).toMatchObject({ chargePointVendor: 'Acme', chargePointModel: 'Volt2' });
    expect(c.online).toBe(true);
  });

  it('retries a Pending boot after the interval the central system gave', async () => {
    let boots = 0;
    csms.on('BootNotification', () => ({ status: ++boots === 1 ? 'Pending' : 'Accepted', interval: 1, currentTime: new Date().toISOString() }));
    try {
      const c = await aCharger();
      expect(callsOf(c, 'BootNotification')).toHaveLength(2);
      // Nothing else may be sent before the boot is Accepted (§4.2).
      expect(callsOf(c)[1].method).toBe('BootNotification');
    } finally {
      csms.on('BootNotification', () => ({ status: 'Accepted', interval: 300, currentTime: new Date().toISOString() }));
    }
  });

  it('remote start → StartTransaction → periodic MeterValues that add up → remote stop', async () => {
    // A small battery so that SoC visibly rises within a few samples.
    const c = await aCharger({ car: { capacityKWh: 2, startSocPercent: 20, maxPowerW: 11_000 } });
    const start = await remoteStart(c, 'DRIVER-7');
    expect(start.params).toMatchObject({ connectorId: 1, idTag: 'DRIVER-7', meterStart: 0 });
    const txId = c.transactionId(1)!;

    await csms.waitFor('StatusNotification', (r) => of(c)(r) && r.params.status === 'Charging');
    const statuses = callsOf(c, 'StatusNotification').filter((r) => r.params.connectorId === 1).map((r) => r.params.status);
    expect(statuses).toEqual(['Available', 'Preparing', 'Charging']);

    const tenth = await csms.waitForNth('MeterValues', 10, of(c));
    const samples = callsOf(c, 'MeterValues').filter((r) => r.seq <= tenth.seq);
    for (const s of samples) {
      expect(s.params.transactionId).toBe(txId);
      expect(s.params.meterValue[0].sampledValue.every((v: any) => typeof v.value === 'string' && v.context === 'Sample.Periodic')).toBe(true);
    }
    const mvs = samples.map((s) => s.params.meterValue[0]);
    // The default car draws 11 kW (below 80 % SoC, its on-board charger is the limit).
    expect(mvs.map(power)).toEqual(mvs.map(() => 11_000));
    // Each sample covers exactly one simulated second: ΔWh = 11 000 W × 1 s / 3600, floored.
    for (let i = 1; i < mvs.length; i++) {
      const delta = register(mvs[i]) - register(mvs[i - 1]);
      expect(Math.abs(delta - 11_000 / 3600)).toBeLessThan(1);
    }
    // And over the run the floors do not drift: exact to one Wh.
    const exact = ((mvs.length) * 11_000) / 3600;
    expect(Math.abs(register(mvs.at(-1)) - exact)).toBeLessThan(1);
    expect(soc(mvs.at(-1))).toBeGreaterThan(soc(mvs[0]));

    expect(await csms.call(c.id, 'RemoteStopTransaction', { transactionId: txId })).toEqual({ status: 'Accepted' });
    const stop = await csms.waitFor('StopTransaction', of(c));
    const lastPeriodic = callsOf(c, 'MeterValues').filter((r) => r.seq < stop.seq).at(-1)!.params.meterValue[0];
    expect(stop.params).toMatchObject({ transactionId: txId, reason: 'Remote' });
    const end = stop.params.transactionData[0];
    expect(end.sampledValue[0]).toMatchObject({ context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unit: 'Wh' });
    expect(stop.params.meterStop).toBe(register(end));
    // The stop lands inside one sample step: at most one step's energy after the last sample.
    expect(stop.params.meterStop).toBeGreaterThanOrEqual(register(lastPeriodic));
    expect(stop.params.meterStop - register(lastPeriodic)).toBeLessThanOrEqual(Math.ceil(11_000 / 3600));
    expect(c.meterWh(1)).toBe(stop.params.meterStop);

    // Finishing, then the simulated driver unplugs the car it plugged in: Available.
    await csms.waitFor('StatusNotification', (r) => of(c)(r) && r.seq > stop.seq && r.params.status === 'Available');
    const after = callsOf(c, 'StatusNotification').filter((r) => r.seq > stop.seq).map((r) => r.params.status);
    expect(after).toEqual(['Finishing', 'Available']);
    expect(c.transactionId(1)).toBeUndefined();
  });

  it('rejects a remote start when told to, or when the connector is busy', async () => {
    const r = await aCharger({ behaviour: { rejectRemoteStart: true } });
    expect(await csms.call(r.id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'X' })).toEqual({ status: 'Rejected' });

    const c = await aCharger();
    await remoteStart(c);
    expect(await csms.call(c.id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'Y' })).toEqual({ status: 'Rejected' });
    expect(await csms.call(c.id, 'RemoteStartTransaction', { connectorId: 5, idTag: 'Y' })).toEqual({ status: 'Rejected' });
    expect(await csms.call(c.id, 'RemoteStopTransaction', { transactionId: 424242 })).toEqual({ status: 'Rejected' });
  });

  it('ignoreRemoteStart answers Accepted but never starts', async () => {
    const c = await aCharger({ behaviour: { ignoreRemoteStart: true } });
    expect(await csms.call(c.id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'X' })).toEqual({ status: 'Accepted' });
    // A later message marks the point by which a start would already have been sent.
    expect(await csms.call(c.id, 'TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual({ status: 'Accepted' });
    const hb = await csms.waitFor('Heartbeat', of(c));
    expect(callsOf(c, 'StartTransaction')).toHaveLength(0);
    expect(callsOf(c).filter((r) => r.seq < hb.seq && r.method === 'StatusNotification' && r.params.status !== 'Available')).toHaveLength(0);
    expect(c.status(1)).toBe('Available');
  });

  it('pressStop ends the transaction with reason Local', async () => {
    const c = await aCharger();
    await remoteStart(c);
    const txId = c.transactionId(1);
    await once(c, 'meter');
    c.pressStop(1);
    const stop = await csms.waitFor('StopTransaction', of(c));
    expect(stop.params).toMatchObject({ reason: 'Local', transactionId: txId });
    expect(c.status(1)).toBe('Finishing');
  });

  it('unplugging while charging ends the transaction with reason EVDisconnected', async () => {
    const c = await aCharger({ behaviour: { autoPlug: false } });
    c.plugIn(1, { capacityKWh: 40, startSocPercent: 50, maxPowerW: 7_000 });
    expect(c.status(1)).toBe('Preparing');
    await remoteStart(c);
    const [m] = await once(c, 'meter');
    expect(m.powerW).toBe(7_000);
    c.unplug(1);
    const stop = await csms.waitFor('StopTransaction', of(c));
    expect(stop.params.reason).toBe('EVDisconnected');
    expect(c.status(1)).toBe('Available');
  });

  it('a remote start without autoPlug waits for the cable, then starts on plug-in', async () => {
    const c = await aCharger({ behaviour: { autoPlug: false } });
    expect(await csms.call(c.id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'WAIT' })).toEqual({ status: 'Accepted' });
    await csms.waitFor('StatusNotification', (r) => of(c)(r) && r.params.status === 'Preparing');
    expect(callsOf(c, 'StartTransaction')).toHaveLength(0);
    c.plugIn(1);
    const start = await csms.waitFor('StartTransaction', of(c));
    expect(start.params.idTag).toBe('WAIT');
  });

  it('stops at once with reason DeAuthorized when StartTransaction.conf is not Accepted', async () => {
    csms.on('StartTransaction', () => ({ transactionId: 777, idTagInfo: { status: 'Invalid' } }));
    try {
      const c = await aCharger();
      await csms.call(c.id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'STOLEN' });
      const stop = await csms.waitFor('StopTransaction', of(c));
      expect(stop.params).toMatchObject({ transactionId: 777, reason: 'DeAuthorized' });
      expect(c.transactionId(1)).toBeUndefined();
    } finally {
      csms.on('StartTransaction', (() => {
        let id = 5000;
        return () => ({ transactionId: ++id, idTagInfo: { status: 'Accepted' } });
      })());
    }
  });

  it('changes the sample interval, refuses bad values and unknown keys, reports it back', async () => {
    const c = await aCharger({ timeScale: 360 });
    expect(await csms.call(c.id, 'ChangeConfiguration', { key: 'MeterValueSampleInterval', value: 'soon' })).toEqual({ status: 'Rejected' });
    expect(await csms.call(c.id, 'ChangeConfiguration', { key: 'NoSuchKey', value: '1' })).toEqual({ status: 'NotSupported' });
    expect(await csms.call(c.id, 'ChangeConfiguration', { key: 'NumberOfConnectors', value: '3' })).toEqual({ status: 'Rejected' });
    expect(await csms.call(c.id, 'ChangeConfiguration', { key: 'MeterValuesSampledData', value: 'Voltage' })).toEqual({ status: 'Rejected' });
    expect(await csms.call(c.id, 'ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '36' })).toEqual({ status: 'Accepted' });
    expect(await csms.call(c.id, 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '120' })).toEqual({ status: 'Accepted' });
    const got = await csms.call(c.id, 'GetConfiguration', { key: ['MeterValueSampleInterval', 'HeartbeatInterval', 'Nope'] });
    expect(got).toEqual({
      configurationKey: [
        { key: 'MeterValueSampleInterval', readonly: false, value: '36' },
        { key: 'HeartbeatInterval', readonly: false, value: '120' }
      ],
      unknownKey: ['Nope']
    });

    await remoteStart(c);
    const third = await csms.waitForNth('MeterValues', 3, of(c));
    const mvs = callsOf(c, 'MeterValues').filter((r) => r.seq <= third.seq).map((r) => r.params.meterValue[0]);
    // 36 simulated seconds at 11 kW is exactly 110 Wh per sample.
    expect(register(mvs[1]) - register(mvs[0])).toBe(110);
    expect(register(mvs[2]) - register(mvs[1])).toBe(110);
  });

  it('answers TriggerMessage with the requested message, and Rejected for an unknown connector', async () => {
    const c = await aCharger();
    expect(await csms.call(c.id, 'TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 1 })).toEqual({ status: 'Accepted' });
    expect(await csms.call(c.id, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 })).toEqual({ status: 'Accepted' });
    const mv = await csms.waitFor('MeterValues', of(c));
    expect(mv.params.meterValue[0].sampledValue[0]).toMatchObject({ context: 'Trigger', value: '0' });
    expect(await csms.call(c.id, 'TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 9 })).toEqual({ status: 'Rejected' });
    expect(await csms.call(c.id, 'TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' })).toEqual({ status: 'NotImplemented' });
  });

  it('ChangeAvailability makes a free connector Unavailable and schedules a busy one', async () => {
    const c = await aCharger({ connectors: [{ maxPowerW: 22_000 }, { maxPowerW: 22_000 }] });
    expect(await csms.call(c.id, 'ChangeAvailability', { connectorId: 2, type: 'Inoperative' })).toEqual({ status: 'Accepted' });
    await csms.waitFor('StatusNotification', (r) => of(c)(r) && r.params.connectorId === 2 && r.params.status === 'Unavailable');
    expect(await csms.call(c.id, 'RemoteStartTransaction', { connectorId: 2, idTag: 'X' })).toEqual({ status: 'Rejected' });
    await remoteStart(c);
    expect(await csms.call(c.id, 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' })).toEqual({ status: 'Scheduled' });
    c.pressStop(1);
    await csms.waitFor('StatusNotification', (r) => of(c)(r) && r.params.connectorId === 1 && r.params.status === 'Unavailable');
  });

  it('UnlockConnector ends a running transaction with reason UnlockCommand', async () => {
    const c = await aCharger();
    await remoteStart(c);
    expect(await csms.call(c.id, 'UnlockConnector', { connectorId: 1 })).toEqual({ status: 'Unlocked' });
    const stop = await csms.waitFor('StopTransaction', of(c));
    expect(stop.params.reason).toBe('UnlockCommand');
    expect(await csms.call(c.id, 'UnlockConnector', { connectorId: 4 })).toEqual({ status: 'NotSupported' });
  });
});
