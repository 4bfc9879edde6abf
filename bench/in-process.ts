/**
 * In-process figures for the hot paths (part of `npm run bench`), printed, never asserted.
 *  1. domain: tariff cost and session transitions per second;
 *  2. OCPP ingest: MeterValues through the real gateway and store, from many chargers at once;
 *  3. HTTP: the landing page's connector API under concurrency;
 *  4. memory: resident set per connected idle charger.
 * Everything runs on loopback against an in-memory PGlite store (DATABASE_URL: PostgreSQL).
 */
import ocppRpc from 'ocpp-rpc';
import { loadConfig } from '../server/config.js';
import { startPlugpay } from '../server/main.js';
import { createLogger } from '../server/log.js';
import { registerCharger } from '../server/chargers/registration.js';
import { costOf } from '../server/domain/tariff.js';
import { transition, type Session } from '../server/domain/session.js';
import { seedDemo } from '../server/sim/demo.js';
import { SANDBOX_CREDENTIALS } from '../server/config.js';
import { VippsClient } from '../server/payments/vipps/client.js';

const { RPCClient } = ocppRpc;
type Client = InstanceType<typeof RPCClient>;

/** A bare OCPP 1.6J client that accepts whatever the central system asks, noting remote starts. */
function chargeClient(port: number, identity: string, onRemoteStart?: (idTag: string) => void): Client {
  const c = new RPCClient({
    endpoint: `ws://127.0.0.1:${port}/ocpp`,
    identity,
    password: Buffer.from('bench-password-123'),
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false
  } as unknown as ConstructorParameters<typeof RPCClient>[0]);
  c.handle((({ method, params }: { method: string; params: { idTag?: string } }) => {
    if (method === 'RemoteStartTransaction' && params.idTag) onRemoteStart?.(params.idTag);
    return { status: 'Accepted' };
  }) as never);
  return c;
}

function line(name: string, value: string) {
  console.log(`${name.padEnd(48)} ${value}`);
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function benchDomain() {
  const tariff = { id: 't', currency: 'NOK' as const, pricePerKwhOre: 549, startFeeOre: 500, perMinuteOre: 10, idleFeePerMinuteOre: 0, idleGraceMinutes: 0, vatRateBp: 2500 };
  let n = 0;
  let t = performance.now();
  while (performance.now() - t < 500) {
    for (let i = 0; i < 1000; i++) costOf(tariff, { energyWh: i * 37, durationSeconds: i * 11 });
    n += 1000;
  }
  line('domain: costOf', `${Math.round(n / ((performance.now() - t) / 1000)).toLocaleString('en')} /s`);
  let s: Session = { id: 's', state: 'charging', reservedOre: 10_000_000, authorizedOre: 10_000_000, tariff, energyWh: 0, powerW: 0, meterStartWh: 0, startedAt: new Date(0), transactionId: 1 };
  n = 0;
  t = performance.now();
  while (performance.now() - t < 500) {
    for (let i = 0; i < 1000; i++) {
      const at = new Date(n + i + 1);
      // Cast: the meter event is gaining fields (receivedAt) while the session core is rebuilt.
      const meter = { type: 'meter', energyWh: s.energyWh + 3, powerW: 11000, at, receivedAt: at } as Parameters<typeof transition>[1];
      s = transition(s, meter, { meterIntervalSeconds: 10 }).session;
    }
    n += 1000;
  }
  line('domain: session meter transitions', `${Math.round(n / ((performance.now() - t) / 1000)).toLocaleString('en')} /s`);
}

export async function runInProcessBenchmarks(): Promise<void> {
  benchDomain();
  const logger = createLogger('error');
  // Sessions never auto-stop here: a large reservation and a cheap tariff.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: 'memory://', SIM_CHARGERS: 'false', LOG_LEVEL: 'error', DATABASE_URL: process.env.DATABASE_URL ?? '' });
  const pp = await startPlugpay({ config, logger, pages: false, bridge: false });
  await seedDemo(pp.db, []);

  // --- OCPP ingest: real sessions (reserved and approved in the sandbox) on bare OCPP clients
  const CHARGERS = 20;
  const SAMPLES = 100;
  const clients: Client[] = [];
  const vipps = new VippsClient({ baseUrl: `http://127.0.0.1:${pp.port}/sandbox/vipps`, ...SANDBOX_CREDENTIALS, systemName: 'bench', systemVersion: '1' });
  const txIds: number[] = [];
  for (let i = 0; i < CHARGERS; i++) {
    const id = `BENCH-${i}`;
    await registerCharger(pp.db, { id, password: 'bench-password-123', connectors: 1, stationId: 'oslo-gronland' });
    let remoteStart!: (idTag: string) => void;
    const idTag = new Promise<string>((resolve) => (remoteStart = resolve));
    const c = chargeClient(pp.port, id, remoteStart);
    await c.connect();
    await c.call('BootNotification', { chargePointVendor: 'bench', chargePointModel: 'bench' });
    await c.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    const session = await pp.charging.startSession({ connectorId: `${id}-1`, amountOre: 100000 });
    await vipps.epayment.forceApprove(`plugpay-${session.sessionId}`);
    await pp.charging.pollPayment(session.sessionId);
    const tx = (await c.call('StartTransaction', { connectorId: 1, idTag: await idTag, meterStart: 0, timestamp: new Date().toISOString() })) as { transactionId: number };
    txIds.push(tx.transactionId);
    clients.push(c);
  }
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = 1; i <= SAMPLES; i++) {
        const at = performance.now();
        await c.call('MeterValues', {
          connectorId: 1,
          transactionId: txIds[k],
          meterValue: [{ timestamp: new Date(Date.now() + i).toISOString(), sampledValue: [
            { value: String(i * 30), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            { value: '11000', measurand: 'Power.Active.Import', unit: 'W' }
          ] }]
        });
        latencies.push(performance.now() - at);
      }
    })
  );
  const secs = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  line(`ocpp: MeterValues, ${CHARGERS} live sessions (${pp.db.kind})`, `${Math.round((CHARGERS * SAMPLES) / secs)} msg/s, p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms`);
  for (const c of clients) await c.close({ force: true });

  // --- HTTP
  await registerCharger(pp.db, { id: 'BENCH-HTTP', password: 'bench-password-123', connectors: 1, stationId: 'oslo-gronland' });
  const REQUESTS = 2000;
  const CONCURRENCY = 20;
  const httpLat: number[] = [];
  let next = 0;
  const h0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next++;
        const at = performance.now();
        const r = await fetch(`http://127.0.0.1:${pp.port}/api/connectors/BENCH-HTTP-1`);
        await r.arrayBuffer();
        httpLat.push(performance.now() - at);
      }
    })
  );
  httpLat.sort((a, b) => a - b);
  line(`http: GET /api/connectors/:id (${CONCURRENCY} concurrent)`, `${Math.round(REQUESTS / ((performance.now() - h0) / 1000))} req/s, p50 ${percentile(httpLat, 50).toFixed(1)} ms, p95 ${percentile(httpLat, 95).toFixed(1)} ms`);

  // --- memory per idle connected charger (heap and buffers, after a full GC; run with --expose-gc)
  const IDLE = 200;
  for (let i = 0; i < IDLE; i++) await registerCharger(pp.db, { id: `IDLE-${i}`, password: 'bench-password-123', connectors: 2 });
  const used = () => {
    global.gc?.();
    const m = process.memoryUsage();
    return m.heapUsed + m.external + m.arrayBuffers;
  };
  const before = used();
  const idle: Client[] = [];
  for (let i = 0; i < IDLE; i++) {
    const c = chargeClient(pp.port, `IDLE-${i}`);
    await c.connect();
    idle.push(c);
  }
  await new Promise((r) => setTimeout(r, 500));
  const after = used();
  line(`memory: heap per idle charger (${IDLE}, both ends here)`, `${((after - before) / IDLE / 1024).toFixed(1)} KiB`);
  line('memory: RSS total', `${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
  for (const c of idle) await c.close({ force: true });
  await pp.close();
}
