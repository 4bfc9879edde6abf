/**
 * Two plugpay nodes sharing one PostgreSQL and one Redis, as behind a load balancer: the charger
 * is connected to node A, the driver talks to node B. Remote start and stop reach the charger
 * through Redis; live updates reach the driver's socket on B through the Socket.IO Redis adapter.
 * The suite's global setup makes sure both servers are there (tests/test-services.ts).
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { loadConfig, SANDBOX_CREDENTIALS } from '../server/config.js';
import { startPlugpay, type Plugpay } from '../server/main.js';
import { createLogger } from '../server/log.js';
import { VippsClient } from '../server/payments/vipps/client.js';
import { SimCharger } from '../server/sim/charger/charger.js';
import { createVippsSandbox, type VippsSandbox } from '../server/sim/vipps/sandbox.js';
import { DEMO_CHARGER_PASSWORD, seedDemo } from '../server/sim/demo.js';
import type { SessionView } from '../src/lib/shared/api.js';
import { freshDatabaseUrl } from './helpers/db.js';
import { eventually } from './helpers/plugpay.js';

describe('two nodes', () => {
  let sandbox: VippsSandbox;
  let sandboxServer: ServerType;
  let sandboxUrl: string;
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let a: Plugpay;
  let b: Plugpay;
  let charger: SimCharger;
  let socket: Socket;
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

  const node = (id: string) =>
    startPlugpay({
      logger,
      bridge: false,
      pages: false,
      config: loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ID: id,
        LOG_LEVEL: 'silent',
        DATABASE_URL: database.url!,
        REDIS_URL: process.env.REDIS_URL_TEST!,
        VIPPS_BASE_URL: sandboxUrl,
        VIPPS_CLIENT_ID: SANDBOX_CREDENTIALS.clientId,
        VIPPS_CLIENT_SECRET: SANDBOX_CREDENTIALS.clientSecret,
        VIPPS_SUBSCRIPTION_KEY: SANDBOX_CREDENTIALS.subscriptionKey,
        VIPPS_MSN: SANDBOX_CREDENTIALS.merchantSerialNumber,
        OCPP_METER_INTERVAL_SECONDS: '1',
        OPERATOR_TOKEN: 'multi-node-operator-token',
        PLUGPAY_SECRET: 'the-same-server-secret-on-every-node'
      })
    });

  beforeAll(async () => {
    database = await freshDatabaseUrl();
    sandbox = createVippsSandbox({ publicBaseUrl: 'http://127.0.0.1:1/sandbox' });
    sandboxServer = serve({ fetch: sandbox.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => sandboxServer.once('listening', r));
    sandboxUrl = `http://127.0.0.1:${(sandboxServer.address() as AddressInfo).port}`;
    a = await node('node-a');
    b = await node('node-b');
    await seedDemo(a.db, [{ id: 'MN-01', stationId: 'oslo-gronland', connectors: 1, plugType: 'Type 2', maxPowerW: 22000 }]);
    charger = new SimCharger({ id: 'MN-01', password: DEMO_CHARGER_PASSWORD, url: `ws://127.0.0.1:${a.port}/ocpp`, connectors: [{ maxPowerW: 22000 }], meterIntervalSeconds: 1 });
    await charger.start();
    await eventually(async () => (await b.charging.connectorView('MN-01-1'))?.available, 15_000, 'connector available on B');
  }, 90_000);

  afterAll(async () => {
    socket?.close();
    await charger?.close();
    await b?.close();
    await a?.close();
    await sandbox?.close();
    sandboxServer?.close();
    await database?.drop();
  });

  it('charges through node B while the charger is connected to node A', async () => {
    expect(a.gateway.connectedIds()).toContain('MN-01');
    expect(b.gateway.connectedIds()).not.toContain('MN-01');

    const start = await fetch(`http://127.0.0.1:${b.port}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connectorId: 'MN-01-1', amountOre: 35000 })
    }).then((r) => r.json());

    socket = connect(`http://127.0.0.1:${b.port}`, { transports: ['websocket'] });
    const updates: SessionView[] = [];
    socket.on('session:update', (v: SessionView) => updates.push(v));
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    const joined = await new Promise<{ ok: boolean }>((resolve) => socket.emit('session:join', { sessionId: start.sessionId, token: start.token }, resolve));
    expect(joined.ok).toBe(true);

    const vipps = new VippsClient({ baseUrl: sandboxUrl, ...SANDBOX_CREDENTIALS, systemName: 'plugpay-tests', systemVersion: '1' });
    await vipps.epayment.forceApprove(`plugpay-${start.sessionId}`);

    // Meter values arrive at A; the driver's socket on B sees them.
    await eventually(() => updates.some((u) => u.state === 'charging' && u.energyWh > 0), 30_000, 'live updates on B');

    const stop = await fetch(`http://127.0.0.1:${b.port}/api/sessions/${start.sessionId}/stop`, {
      method: 'POST',
      headers: { authorization: `Bearer ${start.token}` }
    });
    expect(stop.status).toBe(200);
    await eventually(() => updates.some((u) => u.state === 'completed'), 30_000, 'completed');
    const done = updates.find((u) => u.state === 'completed')!;
    const payment = await vipps.epayment.get(`plugpay-${start.sessionId}`);
    expect(payment.aggregate.capturedAmount.value).toBe(done.receipt!.capturedOre);
    expect(payment.aggregate.capturedAmount.value + payment.aggregate.cancelledAmount.value).toBe(35000);
  }, 90_000);
});
