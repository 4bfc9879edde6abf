/**
 * The PWA's one Socket.IO client. Same origin as the page (plugpay serves both), WebSocket first
 * because long-polling through flaky mobile networks is slower to recover; polling remains as
 * the fallback for networks that block WebSockets.
 */
import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from './shared/api';

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

/** What the ack of a client event carries on success, read from the shared event map. */
export type AckData<E extends keyof ClientToServerEvents> =
  Parameters<ClientToServerEvents[E]>[1] extends Ack<infer T> ? T : never;

/**
 * Emit an event, wait at most `timeoutMs` for its ack, and return the ack's data; throws with
 * the server's words, or when the time is up.
 *
 * Why not `unwrapAck(await socket.timeout(ms).emitWithAck(…))` in the pages: socket.io-client
 * types that promise as `any`, because `timeout()` turns every ack into `(err, reply) => void`
 * and its one-argument `FirstArg` helper then matches nothing. Here the reply type comes from
 * `ClientToServerEvents`, so a page cannot read a reply of the wrong shape unnoticed.
 *
 * @example
 * const connector = await request(socket, 8000, 'connector:join', { connectorId: 'CP-1-1' });
 */
export async function request<E extends keyof ClientToServerEvents>(
  socket: PlugpaySocket,
  timeoutMs: number,
  ...emit: TimedEmit<E>
): Promise<AckData<E>> {
  const reply: AckReply<AckData<E>> = await socket.timeout(timeoutMs).emitWithAck(...emit);
  return unwrapAck(reply);
}

/** The socket `socket.timeout(ms)` returns, declared (never defined) only to name its types. */
declare const timedSocket: ReturnType<PlugpaySocket['timeout']>;
/** `[event, payload]`, checked by socket.io-client's own rules for that event. */
type TimedEmit<E extends keyof ClientToServerEvents> = Parameters<typeof timedSocket.emitWithAck<E>>;
