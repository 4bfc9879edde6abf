/**
 * Socket.IO under abuse, over a real server and real WebSockets, with a fake sessions service
 * that counts its work: one socket's events run one at a time, a flooding socket is answered and
 * then disconnected, a socket joins a bounded number of rooms, and a device opens a bounded
 * number of connections.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import type { ChangeNotifier, ChargingService } from '../sessions/charging-service.js';
import { createRealtime, type RealtimeLimits, type RealtimeOptions } from './socket.js';

type Reply = { ok: boolean; error?: string };

interface Harness {
  url: string;
  work: { calls: number; inFlight: number; maxInFlight: number; stationViews: number };
  notifier: ChangeNotifier;
  close(): Promise<void>;
}

const OPERATOR_TOKEN = 'socket-test-operator-token';

const open: Harness[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const h of open.splice(0)) await h.close();
});

/** Every connector exists; looking one up takes a turn of the event loop, like a query. */
async function start(limits: Partial<RealtimeLimits> = {}, adapter?: RealtimeOptions['adapter']): Promise<Harness> {
  const work = { calls: 0, inFlight: 0, maxInFlight: 0, stationViews: 0 };
  const charging = {
    async operatorStations() {
      return [];
    },
    async operatorStation(stationId: string) {
      work.stationViews++;
      return { id: stationId, chargers: [] };
    },
    async connectorView(connectorId: string) {
      work.calls++;
      work.inFlight++;
      work.maxInFlight = Math.max(work.maxInFlight, work.inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      work.inFlight--;
      return { id: connectorId, available: true };
    }
  } as unknown as ChargingService;
  const httpServer: HttpServer = createServer();
  const realtime = createRealtime({ httpServer, charging, logger: silentLogger, limits, operatorToken: OPERATOR_TOKEN, adapter });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const h: Harness = { url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, work, notifier: realtime.notifier, close: () => realtime.close() };
  open.push(h);
  return h;
}

async function client(url: string): Promise<Socket> {
  const socket = connect(url, { transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

const join = (socket: Socket, connectorId: string) => new Promise<Reply>((resolve) => socket.emit('connector:join', { connectorId }, resolve));

describe('Socket.IO backpressure', () => {
  it('runs one socket\'s events one at a time', async () => {
    const h = await start();
    const socket = await client(h.url);
    const replies = await Promise.all(['A-1', 'A-2', 'A-3', 'A-4'].map((id) => join(socket, id)));
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(h.work.maxInFlight).toBe(1);
  });

  it('answers a flooding socket with an error, disconnects it, and keeps serving others', async () => {
    const h = await start({ eventsPerSecond: 10 });
    const flooder = await client(h.url);
    const replies: Reply[] = [];
    const gone = new Promise<string>((resolve) => flooder.once('disconnect', resolve));
    for (let i = 0; i < 2000; i++) flooder.emit('connector:join', { connectorId: `A-${i % 5}` }, (r: Reply) => replies.push(r));
    expect(await gone).toBe('io server disconnect');
    expect(replies.find((r) => !r.ok)).toMatchObject({ ok: false, error: expect.stringMatching(/too many/i) });
    // The flood cost at most its budget of work.
    expect(h.work.calls).toBeLessThanOrEqual(10);

    const driver = await client(h.url);
    expect(await join(driver, 'A-1')).toMatchObject({ ok: true });
  });

  it('caps the rooms one socket joins', async () => {
    const h = await start({ maxRooms: 3 });
    const socket = await client(h.url);
    for (const id of ['A-1', 'A-2', 'A-3']) expect(await join(socket, id)).toMatchObject({ ok: true });
    expect(await join(socket, 'A-4')).toMatchObject({ ok: false, error: expect.stringMatching(/too many/i) });
    // A room it is already in is no new room.
    expect(await join(socket, 'A-2')).toMatchObject({ ok: true });
  });

  it('caps how many connections one device opens', async () => {
    const h = await start({ connectionsPerMinute: 2 });
    await client(h.url);
    await client(h.url);
    await expect(client(h.url)).rejects.toThrow(/too many/i);
  });
});

describe('operator station updates', () => {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 700)); // past the 500 ms coalescing

  it('builds a station view only while an operator watches, and sends it to the operators', async () => {
    const h = await start();
    h.notifier.stationChanged('ST-1');
    await settle();
    expect(h.work.stationViews).toBe(0);

    const op = await client(h.url);
    const updates: Array<{ id: string }> = [];
    op.on('station:update', (s: { id: string }) => updates.push(s));
    const joined = await new Promise<Reply>((resolve) => op.emit('operator:join', { token: OPERATOR_TOKEN }, resolve));
    expect(joined.ok).toBe(true);
    h.notifier.stationChanged('ST-1');
    h.notifier.stationChanged('ST-1');
    await settle();
    expect(h.work.stationViews).toBe(1);
    expect(updates.map((u) => u.id)).toEqual(['ST-1']);

    op.close();
    await settle();
    h.notifier.stationChanged('ST-1');
    await settle();
    expect(h.work.stationViews).toBe(1);
  });
});

describe('operator station updates across nodes', () => {
  it('builds a view on the node whose charger changed when the operator watches on another node', async () => {
    // Each node its own Redis connection, both on one stream of their own (as plugpay's nodes on one Redis).
    const streamName = `pp-socket-test-${process.pid}-${Date.now()}`;
    const redis = [createClient({ url: process.env.REDIS_URL_TEST }), createClient({ url: process.env.REDIS_URL_TEST })];
    await Promise.all(redis.map((r) => r.connect()));
    try {
      const a = await start({}, createAdapter(redis[0], { streamName }));
      const b = await start({}, createAdapter(redis[1], { streamName }));
      a.notifier.stationChanged('ST-A');
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(a.work.stationViews).toBe(0);

      const op = await client(b.url);
      const updates: string[] = [];
      op.on('station:update', (st: { id: string }) => updates.push(st.id));
      const joined = await new Promise<Reply>((resolve) => op.emit('operator:join', { token: OPERATOR_TOKEN }, resolve));
      expect(joined.ok).toBe(true);
      // Node A hears of the operator on node B (a message through Redis), then publishes to them.
      const deadline = Date.now() + 20_000;
      while (updates.length === 0 && Date.now() < deadline) {
        a.notifier.stationChanged('ST-A');
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
      expect(updates[0]).toBe('ST-A');
      expect(a.work.stationViews).toBeGreaterThan(0);
    } finally {
      for (const s of sockets.splice(0)) s.close();
      for (const h of open.splice(0)) await h.close();
      await Promise.all(redis.map((r) => r.del(streamName).then(() => r.quit())));
    }
  }, 60_000);
});
