/**
 * The baseline: the least a server can do on the meter path. It accepts OCPP 1.6J sockets
 * (subprotocol ocpp1.6, any Basic password), answers what a charger says with fixed replies,
 * and forwards each MeterValues energy reading to the phones in that charger's Socket.IO room.
 * No database, no validation, no payments: plugpay's figures are read as a ratio to this one's.
 *
 * Run as its own process: `node --import tsx bench/bare-relay.ts` with PORT set; it prints
 * `{"port":N}` when listening.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';
import { PHONE_PING } from '../server/realtime/phone-ping.js';

export interface BareRelay {
  port: number;
  close(): Promise<void>;
}

const OCPP_PATH = /^\/ocpp\/([^/?]+)/;

export async function startBareRelay(port = 0): Promise<BareRelay> {
  const http: HttpServer = createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end());
  // The phones' sockets as plugpay keeps them: the same ping rate (a frame each way per phone
  // every 2 s), so the baseline carries the same traffic apart from what plugpay adds.
  const io = new Server(http, { path: '/socket.io', serveClient: false, destroyUpgrade: false, ...PHONE_PING });
  io.on('connection', (socket) => {
    socket.on('relay:join', (p: { chargerId?: string }, ack?: (r: unknown) => void) => {
      if (typeof p?.chargerId !== 'string') return ack?.({ ok: false, error: 'chargerId is required' });
      void socket.join(`charger:${p.chargerId}`);
      ack?.({ ok: true, data: {} });
    });
  });

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => (offered.has('ocpp1.6') ? 'ocpp1.6' : false) });
  let nextTx = 1;
  wss.on('connection', (ws, req) => {
    const chargerId = decodeURIComponent(OCPP_PATH.exec(req.url ?? '')![1]);
    const room = io.to(`charger:${chargerId}`);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as [number, string, string, Record<string, unknown>];
      if (frame[0] !== 2) return;
      const [, id, action, payload] = frame;
      let reply: unknown = {};
      if (action === 'BootNotification') reply = { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 };
      else if (action === 'StartTransaction') reply = { transactionId: nextTx++, idTagInfo: { status: 'Accepted' } };
      else if (action === 'StopTransaction') reply = { idTagInfo: { status: 'Accepted' } };
      else if (action === 'MeterValues') {
        const sampled = (payload.meterValue as Array<{ sampledValue: Array<{ measurand?: string; value: string }> }>)[0].sampledValue;
        const energy = sampled.find((s) => s.measurand === 'Energy.Active.Import.Register');
        const power = sampled.find((s) => s.measurand === 'Power.Active.Import');
        room.emit('session:update', { state: 'charging', energyWh: Number(energy?.value), powerW: Number(power?.value) });
      }
      ws.send(JSON.stringify([3, id, reply]));
    });
    ws.on('error', () => undefined);
  });
  http.on('upgrade', (req, socket, head) => {
    if (OCPP_PATH.test(req.url ?? '')) wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((ok) => http.listen(port, '127.0.0.1', () => ok()));
  return {
    port: (http.address() as AddressInfo).port,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((ok) => io.close(() => ok()));
    }
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const relay = await startBareRelay(Number(process.env.PORT ?? 0));
  console.log(JSON.stringify({ port: relay.port }));
  const stop = () => void relay.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
