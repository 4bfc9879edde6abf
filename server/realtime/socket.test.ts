/**
 * Socket.IO under abuse, over a real server and real WebSockets, with a fake sessions service
 * that counts its work: one socket's events run one at a time, a flooding socket is answered and
 * then disconnected, a socket joins a bounded number of rooms, and a device opens a bounded
 * number of connections.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import type { ChargingService } from '../sessions/charging-service.js';
import { createRealtime, type RealtimeLimits } from './socket.js';

type Reply = { ok: boolean; error?: string };

interface Harness {
  url: string;
  work: { calls: number; inFlight: number; maxInFlight: number };
  close(): Promise<void>;
}

const open: Harness[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const h of open.splice(0)) await h.close();
});

/** Every connector exists; looking one up takes a turn of the event loop, like a query. */
async function start(limits: Partial<RealtimeLimits> = {}): Promise<Harness> {
  const work = { calls: 0, inFlight: 0, maxInFlight: 0 };
  const charging = {
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
  const realtime = createRealtime({ httpServer, charging, logger: silentLogger, limits });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const h: Harness = { url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, work, close: () => realtime.close() };
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
