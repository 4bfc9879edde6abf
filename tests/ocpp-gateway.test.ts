/**
 * The OCPP 1.6J gateway over real WebSockets and a real database, with ocpp-rpc's RPCClient in
 * strict mode playing the charger (so plugpay's answers are schema-checked too).
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AddressInfo } from 'node:net';
import { RPCClient } from 'ocpp-rpc';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcppGateway, SAMPLED_DATA, SAMPLED_DATA_WITHOUT_SOC, type OcppGateway } from '../server/chargers/gateway.js';
import { ChargerCommandError, ChargerUnavailableError } from '../server/chargers/port.js';
import { RecordingListener } from '../server/chargers/recording-listener.js';
import { registerCharger } from '../server/chargers/registration.js';
import { silentLogger } from '../server/log.js';
import { ChargerRepository } from '../server/store/charger-repository.js';
import type { Db } from '../server/store/db.js';
import { freshDb } from './helpers/db.js';

const PASSWORD = 'correct-horse-battery';

let db: Db;
let repo: ChargerRepository;
let listener: RecordingListener;
let gateway: OcppGateway;
let server: Server;
let port: number;
const opened: { close(o?: object): Promise<unknown> }[] = [];

interface TestCharger {
  rpc: any;
  /** Calls plugpay made on this charger, in order. */
  calls: { method: string; params: any }[];
  /** Every frame the charger received, parsed, in order. */
  inbound: any[];
  waitCall(method: string, since?: number): Promise<any>;
}

async function connectCharger(id: string, password = PASSWORD, answers: Record<string, any> = {}): Promise<TestCharger> {
  const rpc = new RPCClient({
    endpoint: `ws://127.0.0.1:${port}/ocpp`,
    identity: id,
    password,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false
    // ocpp-rpc's typings mark every option required; the library itself has defaults.
  } as any);
  const calls: TestCharger['calls'] = [];
  const inbound: any[] = [];
  let waiters: { method: string; since: number; resolve: (p: any) => void }[] = [];
  rpc.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => {
    if (!outbound) inbound.push(JSON.parse(message));
  });
  const defaults: Record<string, any> = {
    ChangeConfiguration: { status: 'Accepted' },
    TriggerMessage: { status: 'Accepted' },
    RemoteStartTransaction: { status: 'Accepted' },
    RemoteStopTransaction: { status: 'Accepted' },
    ChangeAvailability: { status: 'Scheduled' },
    Reset: { status: 'Accepted' }
  };
  for (const [method, answer] of Object.entries({ ...defaults, ...answers })) {
    rpc.handle(method, async ({ params }: any) => {
      calls.push({ method, params });
      const ready = waiters.filter((w) => w.method === method && calls.length > w.since);
      waiters = waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.resolve(params);
      return typeof answer === 'function' ? answer(params) : answer;
    });
  }
  await rpc.connect();
  opened.push(rpc);
  return {
    rpc,
    calls,
    inbound,
    waitCall(method, since = 0) {
      const hit = calls.slice(since).find((c) => c.method === method);
      if (hit) return Promise.resolve(hit.params);
      return new Promise((resolve) => waiters.push({ method, since, resolve }));
    }
  };
}

/** A raw WebSocket, for frames no OCPP library would send. */
function rawSocket(id: string, opts: { password?: string; protocol?: string | null; user?: string } = {}): Promise<{ ws: WebSocket; next(): Promise<any> }> {
  const headers: Record<string, string> = {};
  if (opts.password !== undefined) headers.authorization = 'Basic ' + Buffer.from(`${opts.user ?? id}:${opts.password}`).toString('base64');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ocpp/${encodeURIComponent(id)}`, opts.protocol === null ? [] : [opts.protocol ?? 'ocpp1.6'], { headers });
  const queue: any[] = [];
  const waiting: ((m: any) => void)[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      opened.push({ close: async () => ws.close() });
      resolve({ ws, next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r))) });
    });
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error('refused'), { statusCode: res.statusCode })));
    ws.once('error', reject);
  });
}

const iso = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

beforeAll(async () => {
  db = await freshDb();
  repo = new ChargerRepository(db);
  for (const id of ['CP-1', 'CP-2', 'CP-3', 'CP-5', 'CP-6']) {
    await registerCharger(db, { id, password: PASSWORD, connectors: 2 });
  }
  listener = new RecordingListener();
  gateway = await createOcppGateway({ db, listener, logger: silentLogger, nodeId: 'node-t', heartbeatSeconds: 300, meterIntervalSeconds: 15, callTimeoutMs: 1500 });
  server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    if (!gateway.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close({ force: true }).catch(() => undefined)));
  await gateway?.close();
  await new Promise((resolve) => server?.close(resolve));
  await db?.close();
});

describe('OCPP 1.6J gateway: one charging session', () => {
  let cp: TestCharger;
  let transactionId: number;

  it('accepts a boot, then configures sampling and asks for statuses, after the answer', async () => {
    const since = listener.events.length;
    cp = await connectCharger('CP-1');
    await listener.next('chargerOnline', (e) => e.chargerId === 'CP-1', since);
    const conf = await cp.rpc.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Volt 50', firmwareVersion: '1.0.7' });
    expect(conf).toMatchObject({ status: 'Accepted', interval: 300 });
    expect(Number.isNaN(Date.parse(conf.currentTime))).toBe(false);
    await cp.waitCall('TriggerMessage');
    expect(cp.calls.map((c) => [c.method, c.params])).toEqual([
      ['ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '15' }],
      ['ChangeConfiguration', { key: 'MeterValuesSampledData', value: SAMPLED_DATA }],
      ['TriggerMessage', { requestedMessage: 'StatusNotification' }]
    ]);
    // The first thing the charger heard is the BootNotification answer (a CALLRESULT), not a request.
    expect(cp.inbound[0][0]).toBe(3);
    const stored = await repo.find('CP-1');
    expect([stored?.vendor, stored?.model, stored?.firmwareVersion, stored?.online, stored?.nodeId]).toEqual(['Acme', 'Volt 50', '1.0.7', true, 'node-t']);
    expect(gateway.connectedIds()).toContain('CP-1');
    expect(await gateway.commands.isConnected('CP-1')).toBe(true);
  });

  it('answers Heartbeat with the time and records last_seen', async () => {
    const before = (await repo.find('CP-1'))?.lastSeen?.getTime() ?? 0;
    const conf = await cp.rpc.call('Heartbeat', {});
    expect(Number.isNaN(Date.parse(conf.currentTime))).toBe(false);
    expect((await repo.find('CP-1'))?.lastSeen?.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('maps StatusNotification to plugpay words, for a connector and for the charger as a whole', async () => {
    expect(await cp.rpc.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'SuspendedEVSE', timestamp: iso(0) })).toEqual({});
    expect(await cp.rpc.call('StatusNotification', { connectorId: 0, errorCode: 'GroundFailure', status: 'Faulted' })).toEqual({});
    const events = listener.of('connectorStatusChanged').filter((e) => e.chargerId === 'CP-1');
    expect(events.map((e) => [e.connectorNo, e.status, e.errorCode])).toEqual([
      [1, 'suspended', undefined],
      [0, 'faulted', 'GroundFailure']
    ]);
    expect((await repo.find('CP-1'))?.connectors[0].status).toBe('suspended');
  });

  it('answers Authorize with the listener verdict', async () => {
    listener.verdicts.set('STOLEN', 'blocked');
    expect(await cp.rpc.call('Authorize', { idTag: 'STOLEN' })).toEqual({ idTagInfo: { status: 'Blocked' } });
    expect(await cp.rpc.call('Authorize', { idTag: 'GOOD' })).toEqual({ idTagInfo: { status: 'Accepted' } });
  });

  it('starts remotely; StartTransaction gets a plugpay transactionId', async () => {
    await expect(gateway.commands.remoteStart('CP-1', 1, 'SESSION-A')).resolves.toBe('accepted');
    expect(await cp.waitCall('RemoteStartTransaction')).toEqual({ connectorId: 1, idTag: 'SESSION-A' });
    const startedAt = iso(5);
    const conf = await cp.rpc.call('StartTransaction', { connectorId: 1, idTag: 'SESSION-A', meterStart: 1000, timestamp: startedAt });
    expect(conf.idTagInfo).toEqual({ status: 'Accepted' });
    transactionId = conf.transactionId;
    const started = listener.of('transactionStarted').find((e) => e.transactionId === transactionId);
    expect(started).toEqual({ chargerId: 'CP-1', connectorNo: 1, transactionId, idTag: 'SESSION-A', meterStartWh: 1000, at: new Date(startedAt) });
  });

  it('repeats the same transactionId for a repeated StartTransaction, without a second listener call', async () => {
    const first = listener.of('transactionStarted').find((e) => e.transactionId === transactionId);
    const again = await cp.rpc.call('StartTransaction', { connectorId: 1, idTag: 'SESSION-A', meterStart: 1000, timestamp: first.at.toISOString() });
    expect(again).toEqual({ transactionId, idTagInfo: { status: 'Accepted' } });
    expect(listener.of('transactionStarted').filter((e) => e.transactionId === transactionId)).toHaveLength(1);
  });

  it('reads meter values in Wh and kWh, stores them by time, and passes on only newer ones', async () => {
    const t1 = iso(4);
    const t2 = iso(3);
    const t3 = iso(2);
    await cp.rpc.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [
        {
          timestamp: t1,
          sampledValue: [
            { value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
            { value: '7.4', measurand: 'Power.Active.Import', unit: 'kW' },
            { value: '41', measurand: 'SoC', unit: 'Percent', location: 'EV' }
          ]
        }
      ]
    });
    await cp.rpc.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: t3, sampledValue: [{ value: '2.75', unit: 'kWh' }] }] });
    // t2 arrives after t3 (a queued message): stored in its place, not news.
    await cp.rpc.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: t2, sampledValue: [{ value: '2100' }] }] });
    const sampled = listener.of('meterSampled').filter((e) => e.transactionId === transactionId);
    expect(sampled).toEqual([
      { chargerId: 'CP-1', transactionId, at: new Date(t1), energyWh: 1500, powerW: 7400, socPercent: 41 },
      { chargerId: 'CP-1', transactionId, at: new Date(t3), energyWh: 2750, powerW: undefined, socPercent: undefined }
    ]);
    await gateway.flushSamples(); // written behind, in batches
    const energy = (await repo.meterSamples(transactionId)).filter((s) => s.measurand === 'Energy.Active.Import.Register');
    expect(energy.map((s) => [s.sampledAt.toISOString(), s.value, s.unit])).toEqual([
      [new Date(t1).toISOString(), 1500, 'Wh'],
      [new Date(t2).toISOString(), 2100, 'Wh'],
      [new Date(t3).toISOString(), 2.75, 'kWh']
    ]);
    await gateway.flushSamples(); // written behind, in batches
    const tx = await repo.findTransaction(transactionId);
    expect([tx?.lastEnergyWh, tx?.lastPowerW, tx?.lastSoc]).toEqual([2750, 7400, 41]);
  });

  it('stops remotely; a repeated StopTransaction is logged once and passed on again for the session to ignore', async () => {
    await expect(gateway.commands.remoteStop('CP-1', transactionId)).resolves.toBe('accepted');
    expect(await cp.waitCall('RemoteStopTransaction')).toEqual({ transactionId });
    const stop = {
      transactionId,
      idTag: 'SESSION-A',
      meterStop: 3200,
      timestamp: iso(1),
      reason: 'Remote',
      transactionData: [{ timestamp: iso(1), sampledValue: [{ value: '3200', context: 'Transaction.End' }] }]
    };
    expect(await cp.rpc.call('StopTransaction', stop)).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(await cp.rpc.call('StopTransaction', stop)).toEqual({ idTagInfo: { status: 'Accepted' } });
    const stopped = listener.of('transactionStopped').filter((e) => e.transactionId === transactionId);
    const heard = { chargerId: 'CP-1', transactionId, idTag: 'SESSION-A', meterStopWh: 3200, at: new Date(stop.timestamp), reason: 'Remote' };
    expect(stopped).toEqual([heard, heard]);
    expect(listener.of('stopVerdict').filter((e) => e.transactionId === transactionId)).toEqual([
      { chargerId: 'CP-1', transactionId, idTag: 'SESSION-A' },
      { chargerId: 'CP-1', transactionId, idTag: 'SESSION-A' }
    ]);
    const tx = await repo.findTransaction(transactionId);
    expect([tx?.meterStopWh, tx?.stopReason, tx?.lastEnergyWh]).toEqual([3200, 'Remote', 3200]);
  });

  it('stores meter values after the stop without passing them on', async () => {
    const count = listener.of('meterSampled').length;
    const late = iso(0);
    await cp.rpc.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: late, sampledValue: [{ value: '3300' }] }] });
    expect(listener.of('meterSampled')).toHaveLength(count);
    await gateway.flushSamples(); // written behind, in batches
    expect((await repo.meterSamples(transactionId)).some((s) => s.sampledAt.toISOString() === new Date(late).toISOString())).toBe(true);
  });

  it('defaults the stop reason to Local, and acknowledges unknown transactions and connector-0 samples', async () => {
    const { transactionId: id } = await cp.rpc.call('StartTransaction', { connectorId: 2, idTag: 'T2', meterStart: 0, timestamp: iso(1) });
    await cp.rpc.call('StopTransaction', { transactionId: id, meterStop: 10, timestamp: iso(0) });
    expect(listener.of('transactionStopped').find((e) => e.transactionId === id)?.reason).toBe('Local');
    expect(await cp.rpc.call('StopTransaction', { transactionId: 987654, meterStop: 1, timestamp: iso(0) })).toEqual({});
    expect(await cp.rpc.call('MeterValues', { connectorId: 0, meterValue: [{ timestamp: iso(0), sampledValue: [{ value: '1' }] }] })).toEqual({});
    expect(await cp.rpc.call('MeterValues', { connectorId: 1, transactionId: 987654, meterValue: [{ timestamp: iso(0), sampledValue: [{ value: '1' }] }] })).toEqual({});
  });

  it('answers DataTransfer politely and acknowledges firmware and diagnostics reports', async () => {
    expect(await cp.rpc.call('DataTransfer', { vendorId: 'com.acme', messageId: 'x', data: '{}' })).toEqual({ status: 'UnknownVendorId' });
    expect(await cp.rpc.call('FirmwareStatusNotification', { status: 'Idle' })).toEqual({});
    expect(await cp.rpc.call('DiagnosticsStatusNotification', { status: 'Idle' })).toEqual({});
  });

  it('answers InternalError when the listener fails, keeps the connection, and applies the retry', async () => {
    listener.failNext('transactionStarted');
    const req = { connectorId: 2, idTag: 'RETRY', meterStart: 5, timestamp: iso(0) };
    await expect(cp.rpc.call('StartTransaction', req)).rejects.toMatchObject({ rpcErrorCode: 'InternalError' });
    const conf = await cp.rpc.call('StartTransaction', req);
    expect(listener.of('transactionStarted').filter((e) => e.idTag === 'RETRY').map((e) => e.transactionId)).toEqual([conf.transactionId]);
  });

  it('passes the retried StopTransaction on when the session did not take the first (a crash between the writes)', async () => {
    const { transactionId: id } = await cp.rpc.call('StartTransaction', { connectorId: 2, idTag: 'STOPFAIL', meterStart: 0, timestamp: iso(2) });
    const stop = { transactionId: id, meterStop: 42, timestamp: iso(1), reason: 'Local' };
    listener.failNext('transactionStopped');
    await expect(cp.rpc.call('StopTransaction', stop)).rejects.toMatchObject({ rpcErrorCode: 'InternalError' });
    expect((await repo.findTransaction(id))?.meterStopWh).toBe(42); // the log has it
    await cp.rpc.call('StopTransaction', stop);
    expect(listener.of('transactionStopped').filter((e) => e.transactionId === id)).toEqual([
      { chargerId: 'CP-1', transactionId: id, idTag: 'STOPFAIL', meterStopWh: 42, at: new Date(stop.timestamp), reason: 'Local' }
    ]);
    listener.failNext('authorize');
    await expect(cp.rpc.call('Authorize', { idTag: 'ANY' })).rejects.toMatchObject({ rpcErrorCode: 'InternalError' });
    expect(await cp.rpc.call('Heartbeat', {})).toHaveProperty('currentTime');
  });

  it('refuses a remote start with an idTag over 20 characters before sending anything', async () => {
    const sent = cp.calls.length;
    await expect(gateway.commands.remoteStart('CP-1', 1, 'X'.repeat(21))).rejects.toBeInstanceOf(RangeError);
    await expect(gateway.commands.remoteStart('CP-1', 0, 'OK')).rejects.toBeInstanceOf(RangeError);
    expect(cp.calls).toHaveLength(sent);
  });

  it('maps the other commands to plugpay words', async () => {
    await expect(gateway.commands.changeAvailability('CP-1', 0, false)).resolves.toBe('scheduled');
    expect(await cp.waitCall('ChangeAvailability')).toEqual({ connectorId: 0, type: 'Inoperative' });
    await expect(gateway.commands.reset('CP-1', 'Soft')).resolves.toBe('accepted');
    await expect(gateway.commands.triggerMessage('CP-1', 'MeterValues', 1)).resolves.toBe('accepted');
    await expect(gateway.commands.changeConfiguration('CP-1', 'HeartbeatInterval', '120')).resolves.toBe('accepted');
  });

  it('marks the charger offline when it disconnects', async () => {
    const since = listener.events.length;
    await cp.rpc.close();
    const off = await listener.next('chargerOffline', (e) => e.chargerId === 'CP-1', since);
    expect(off.at).toBeInstanceOf(Date);
    expect((await repo.find('CP-1'))?.online).toBe(false);
    await expect(gateway.commands.remoteStop('CP-1', 1)).rejects.toBeInstanceOf(ChargerUnavailableError);
    expect(await gateway.commands.isConnected('CP-1')).toBe(false);
  });
});

describe('OCPP 1.6J gateway: bad frames and bad calls', () => {
  it('answers a frame that is not JSON with FormationViolation and stays up', async () => {
    const { ws, next } = await rawSocket('CP-3', { password: PASSWORD });
    ws.send('this is not json');
    const err = await next();
    expect(err.slice(0, 3)).toEqual([4, '-1', 'FormationViolation']);
    ws.send(JSON.stringify([2, 'hb-1', 'Heartbeat', {}]));
    const ok = await next();
    expect(ok[0]).toBe(3);
    expect(ok[1]).toBe('hb-1');
  });

  it('answers schema violations with the OCPP error code and stays up', async () => {
    const { ws, next } = await rawSocket('CP-3', { password: PASSWORD });
    ws.send(JSON.stringify([2, 'st-1', 'StartTransaction', { connectorId: '1', idTag: 'A', meterStart: 0, timestamp: iso(0) }]));
    expect((await next()).slice(0, 3)).toEqual([4, 'st-1', 'TypeConstraintViolation']);
    ws.send(JSON.stringify([2, 'st-2', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Sleeping' }]));
    expect((await next()).slice(0, 3)).toEqual([4, 'st-2', 'FormationViolation']);
    ws.send(JSON.stringify([2, 'st-3', 'Authorize', { idTag: 'A', extra: 1 }]));
    expect((await next()).slice(0, 3)).toEqual([4, 'st-3', 'PropertyConstraintViolation']);
    ws.send(JSON.stringify([2, 'st-4', 'NoSuchAction', {}]));
    expect((await next()).slice(0, 3)).toEqual([4, 'st-4', 'NotImplemented']);
    ws.send(JSON.stringify([2, 'hb-2', 'Heartbeat', {}]));
    expect((await next()).slice(0, 2)).toEqual([3, 'hb-2']);
  });
});

describe('OCPP 1.6J gateway: who may connect', () => {
  it.each([
    ['an unknown charger', 'CP-NOPE', PASSWORD, 'ocpp1.6', 401],
    ['a wrong password', 'CP-3', 'wrong-password-123', 'ocpp1.6', 401],
    ['a missing password', 'CP-3', undefined, 'ocpp1.6', 401],
    ['a missing subprotocol', 'CP-3', PASSWORD, null, 400],
    ['another subprotocol only', 'CP-3', PASSWORD, 'ocpp2.0.1', 400]
  ])('refuses %s at the upgrade', async (_name, id, password, protocol, status) => {
    await expect(rawSocket(id, { password, protocol })).rejects.toMatchObject({ statusCode: status });
  });

  it('refuses a user name other than the charger id', async () => {
    await expect(rawSocket('CP-3', { password: PASSWORD, user: 'CP-1' })).rejects.toMatchObject({ statusCode: 401 });
  });

  it('answers 400 to an id that is not valid URL encoding, and keeps serving', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/ocpp/%E0%A4%A',
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }
      });
      req.on('response', (res) => resolve(res.statusCode));
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    await expect(rawSocket('CP-NOPE', { password: PASSWORD })).rejects.toMatchObject({ statusCode: 401 });
  });

  it('takes a URL-encoded id', async () => {
    await registerCharger(db, { id: 'CP@enc~1', password: PASSWORD });
    const { ws, next } = await rawSocket('CP@enc~1', { password: PASSWORD });
    ws.send(JSON.stringify([2, 'hb', 'Heartbeat', {}]));
    expect((await next())[0]).toBe(3);
  });

  it('leaves other paths to the HTTP server', () => {
    const fake = { url: '/socket.io/?EIO=4' } as any;
    expect(gateway.handleUpgrade(fake, {} as any, Buffer.alloc(0))).toBe(false);
  });
});

describe('OCPP 1.6J gateway: what a connection keeps', () => {
  it('lets go of the HTTP upgrade once the charger is connected, and still serves and closes it', async () => {
    // At 10,000 idle chargers every KiB a connection keeps is 10 MiB: the upgrade request (with
    // its headers and URL) was held for the connection's life by ocpp-rpc's handshake and by
    // its upgrade listeners on the socket.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let upgrade: WeakRef<IncomingMessage> | undefined;
    const capture = (req: IncomingMessage) => {
      if (req.url === '/ocpp/CP-6') upgrade = new WeakRef(req);
    };
    server.prependListener('upgrade', capture);
    const cp = await connectCharger('CP-6');
    server.removeListener('upgrade', capture);
    await cp.rpc.call('BootNotification', { chargePointVendor: 'Test', chargePointModel: 'T1' });
    expect(upgrade).toBeDefined();
    // deref() keeps its target alive until the current job ends, so each collection runs in a
    // turn of its own, after the last deref().
    const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
    let kept = true;
    for (let i = 0; i < 10 && kept; i++) {
      await tick();
      gc();
      await tick();
      kept = upgrade!.deref() !== undefined;
    }
    expect(kept).toBe(false);
    expect(await cp.rpc.call('Heartbeat', {})).toHaveProperty('currentTime');
    await cp.rpc.close();
    await expect.poll(async () => (await repo.find('CP-6'))?.online).toBe(false);
  });
});

describe('OCPP 1.6J gateway: reconnects', () => {
  it('asks for the sampled data again without SoC when a charger rejects the list', async () => {
    const cp = await connectCharger('CP-2', PASSWORD, {
      ChangeConfiguration: (p: any) => ({ status: p.key === 'MeterValuesSampledData' && p.value.includes('SoC') ? 'Rejected' : 'Accepted' })
    });
    await cp.rpc.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'AC-22' });
    await cp.waitCall('TriggerMessage');
    expect(cp.calls.filter((c) => c.params.key === 'MeterValuesSampledData').map((c) => c.params.value)).toEqual([SAMPLED_DATA, SAMPLED_DATA_WITHOUT_SOC]);
    const closed = listener.next('chargerOffline', (e) => e.chargerId === 'CP-2');
    await cp.rpc.close();
    await closed;
  });

  it('lets a second connection replace the first', async () => {
    const first = await connectCharger('CP-2');
    const closed = new Promise((resolve) => first.rpc.once('close', resolve));
    const second = await connectCharger('CP-2');
    await closed;
    expect(gateway.connectedIds().filter((id) => id === 'CP-2')).toEqual(['CP-2']);
    await expect(gateway.commands.reset('CP-2', 'Hard')).resolves.toBe('accepted');
    expect(second.calls.map((c) => c.method)).toContain('Reset');
    expect((await repo.find('CP-2'))?.online).toBe(true);
    await second.rpc.close();
  });

  it('handles queued StartTransaction, MeterValues and StopTransaction with their old timestamps', async () => {
    let since = listener.events.length;
    const cp = await connectCharger('CP-2');
    await cp.rpc.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'M' });
    await cp.rpc.close();
    await listener.next('chargerOffline', (e) => e.chargerId === 'CP-2', since);

    // Charging went on offline; now the queue drains in order (OCPP 1.6 §3.16).
    since = listener.events.length;
    const back = await connectCharger('CP-2');
    const startedAt = iso(60);
    const { transactionId } = await back.rpc.call('StartTransaction', { connectorId: 2, idTag: 'OFFLINE', meterStart: 100, timestamp: startedAt });
    await back.rpc.call('MeterValues', { connectorId: 2, transactionId, meterValue: [{ timestamp: iso(50), sampledValue: [{ value: '900' }] }] });
    const stoppedAt = iso(40);
    await back.rpc.call('StopTransaction', { transactionId, meterStop: 1800, timestamp: stoppedAt, reason: 'EVDisconnected' });
    const started = await listener.next('transactionStarted', (e) => e.transactionId === transactionId, since);
    expect(started.at).toEqual(new Date(startedAt));
    const stopped = await listener.next('transactionStopped', (e) => e.transactionId === transactionId, since);
    expect(stopped).toMatchObject({ meterStopWh: 1800, at: new Date(stoppedAt), reason: 'EVDisconnected', idTag: 'OFFLINE' });
    expect(listener.of('meterSampled').filter((e) => e.transactionId === transactionId).map((e) => e.energyWh)).toEqual([900]);
    await back.rpc.close();
  });

  it('marks chargers left online by a crashed run of this node offline on start', async () => {
    await repo.markOnline('CP-5', 'node-crashed', new Date());
    const other = new RecordingListener();
    const g = await createOcppGateway({ db, listener: other, logger: silentLogger, nodeId: 'node-crashed', heartbeatSeconds: 60, meterIntervalSeconds: 10 });
    expect(other.of('chargerOffline').map((e) => e.chargerId)).toEqual(['CP-5']);
    expect((await repo.find('CP-5'))?.online).toBe(false);
    await g.close();
  });

  it('gives up on a charger that does not answer, and reports a CALLERROR answer as ChargerCommandError', async () => {
    const { ws, next } = await rawSocket('CP-5', { password: PASSWORD });
    const silent = expect(gateway.commands.reset('CP-5', 'Soft')).rejects.toThrow(ChargerUnavailableError);
    expect((await next()).slice(2)).toEqual(['Reset', { type: 'Soft' }]);
    await silent;
    ws.close();
    const cp = await connectCharger('CP-2', PASSWORD, {
      Reset: () => {
        throw new Error('no resets today');
      }
    });
    await expect(gateway.commands.reset('CP-2', 'Hard')).rejects.toBeInstanceOf(ChargerCommandError);
    await cp.rpc.close();
  });

  it('throws ChargerUnavailableError for a charger that is not connected', async () => {
    await expect(gateway.commands.remoteStart('CP-5', 1, 'TAG')).rejects.toBeInstanceOf(ChargerUnavailableError);
    await expect(gateway.commands.reset('NO-SUCH', 'Soft')).rejects.toBeInstanceOf(ChargerUnavailableError);
  });
});
