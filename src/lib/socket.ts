/**
 * The PWA's one Socket.IO client. Same origin as the page (plugpay serves both), WebSocket first
 * because long-polling through flaky mobile networks is slower to recover; polling remains as
 * the fallback for networks that block WebSockets.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from './shared/api';

export type PlugpaySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export function connectSocket(): PlugpaySocket {
  const socket: PlugpaySocket = io({ transports: ['websocket', 'polling'] });
  // A server-side disconnect (e.g. a node draining during a deploy) is not retried by the
  // client on its own; a phone mid-charge must keep trying.
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1000);
  });
  return socket;
}

/** An ack reply as the server sends it (see `Ack<T>` in shared/api.ts). */
export type AckReply<T> = { ok: true; data: T } | { ok: false; error: string };

/** Ack reply → data, or throw with the server's words (a timeout throws too). */
export function unwrapAck<T>(reply: AckReply<T>): T {
  if (!reply || typeof reply !== 'object') throw new Error('No answer from plugpay.');
  if (reply.ok) return reply.data;
  throw new Error(reply.error || 'plugpay refused the request.');
}
