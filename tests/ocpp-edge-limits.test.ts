/**
 * The OCPP endpoint's edges over real WebSockets and a real database: repeated bad credentials
 * lock a charger id out without a password check each time, and an oversized frame closes the
 * connection while the gateway keeps serving everyone else.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOcppGateway, type OcppGateway } from '../server/chargers/gateway.js';
import { RecordingListener } from '../server/chargers/recording-listener.js';
import { registerCharger } from '../server/chargers/registration.js';
import { silentLogger } from '../server/log.js';
import type { Db } from '../server/store/db.js';
import { freshDb } from './helpers/db.js';

// Each password check is a scrypt run; count them to see that a locked id costs none.
const checks = vi.hoisted(() => ({ count: 0 }));
vi.mock('../server/chargers/password.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../server/chargers/password.js')>();
  return {
    ...original,
    verifyPassword: (...args: Parameters<typeof original.verifyPassword>) => {
      checks.count++;
      return original.verifyPassword(...args);
    }
  };
});

const PASSWORD = 'correct-horse-battery';

let db: Db;
let gateway: OcppGateway;
let server: Server;
let port: number;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  db = await freshDb();
  for (const id of ['EDGE-LOCK', 'EDGE-BIG', 'EDGE-OK']) await registerCharger(db, { id, password: PASSWORD, connectors: 1 });
  gateway = await createOcppGateway({ db, listener: new RecordingListener(), logger: silentLogger, nodeId: 'node-edge', heartbeatSeconds: 300, meterIntervalSeconds: 15, callTimeoutMs: 1500 });
  server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    if (!gateway.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await gateway?.close();
  await new Promise((resolve) => server?.close(resolve));
  await db?.close();
});

/** Opens a WebSocket as charger `id`; resolves when open, rejects with the refusal's status. */
function connect(id: string, password: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ocpp/${id}`, ['ocpp1.6'], {
    headers: { authorization: 'Basic ' + Buffer.from(`${id}:${password}`).toString('base64') }
  });
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused with ${res.statusCode}`), { statusCode: res.statusCode })));
    ws.once('error', reject);
  });
}

/** Sends one OCPP-J call and waits for its answer. */
function call(ws: WebSocket, action: string, payload: unknown): Promise<unknown[]> {
  const id = `m-${Math.random().toString(36).slice(2)}`;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data));
      if (frame[1] !== id) return;
      ws.off('message', onMessage);
      resolve(frame);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify([2, id, action, payload]));
  });
}

describe('OCPP Basic-auth lockout', () => {
  it('refuses a charger id with 429 after repeated bad passwords, without checking the password', async () => {
    let failures = 0;
    for (;;) {
      const err = await connect('EDGE-LOCK', 'wrong-password-1234').then(
        () => undefined,
        (e: { statusCode?: number }) => e
      );
      expect(err?.statusCode).toBeDefined();
      if (err!.statusCode === 429) break;
      expect(err!.statusCode).toBe(401);
      failures++;
      expect(failures).toBeLessThanOrEqual(20); // the lock comes long before a guesser gets anywhere
    }
    const before = checks.count;
    await expect(connect('EDGE-LOCK', PASSWORD)).rejects.toMatchObject({ statusCode: 429 });
    expect(checks.count).toBe(before);
  });
});

describe('OCPP frame size', () => {
  it('closes a connection that sends a huge frame, and keeps serving other chargers', async () => {
    const big = await connect('EDGE-BIG', PASSWORD);
    const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)));
    big.send(JSON.stringify([2, 'big-1', 'DataTransfer', { vendorId: 'x', data: 'x'.repeat(4 * 1024 * 1024) }]));
    // 1009: Message Too Big (RFC 6455 §7.4.1).
    expect(await closed).toBe(1009);

    const ok = await connect('EDGE-OK', PASSWORD);
    const answer = await call(ok, 'BootNotification', { chargePointVendor: 'Test', chargePointModel: 'Edge' });
    expect(answer[0]).toBe(3);
    expect(answer[2]).toMatchObject({ status: 'Accepted' });
  });
});
