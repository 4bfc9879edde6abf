/**
 * Socket.IO: drivers' session pages, connector landing pages and the operator console.
 * Every payload is validated; a session room is joined only with the session's token.
 * A page that reconnects re-joins its rooms and takes a fresh snapshot, which is what makes its
 * screen right. Socket.IO's connection-state recovery is off: it kept every broadcast of the
 * last two minutes in memory to replay (at 2,000 live sessions, hundreds of MiB of meter and
 * station updates nobody would ask for), and the snapshot makes the replay redundant.
 */
import type { Server as HttpServer } from 'node:http';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { Server, type Socket } from 'socket.io';
import {
  connectorJoinPayload,
  operatorJoinPayload,
  rooms,
  sessionJoinPayload,
  type ClientToServerEvents,
  type ServerToClientEvents
} from '../../src/lib/shared/api.js';
import { clientAddress, clientKey } from '../http/client-address.js';
import { PHONE_PING } from './phone-ping.js';
import type { Logger } from '../log.js';
import { ServiceError, type ChangeNotifier, type ChargingService } from '../sessions/charging-service.js';
import { tokenIsOperators } from '../operators/staff-auth.js';

export interface RealtimeOptions {
  httpServer: HttpServer;
  charging: ChargingService;
  logger: Logger;
  operatorToken?: string;
  /**
   * Whether a socket may join the operators' room: its handshake's cookies (a signed-in member of
   * staff, from a page of this site) or the token it sent. Without it, only OPERATOR_TOKEN opens the room.
   */
  staffAllowed?: (handshake: { cookie?: string; origin?: string; host?: string }, token: string | undefined) => Promise<boolean>;
  /** Socket.IO adapter for several nodes (the Redis Streams adapter). */
  adapter?: Parameters<Server['adapter']>[0];
  /** Reverse proxies in front of plugpay, as for the API: 0 (the default) ignores X-Forwarded-For. */
  trustedProxies?: number;
  limits?: Partial<RealtimeLimits>;
}

/**
 * What one socket, or one device, may ask of this node. A page sends a join or two when it
 * connects and again after a reconnect; these leave a wide margin for that and none for a flood
 * (20,000 joins from one socket once held every other client's API call up for 25 s).
 */
export interface RealtimeLimits {
  /** Events one socket may send per second; past that it is answered with an error and disconnected. */
  eventsPerSecond: number;
  /** Events of one socket waiting for their turn; past that, the same. */
  maxQueued: number;
  /** Rooms (sessions, connectors, the operators' room) one socket may be in. */
  maxRooms: number;
  /** New connections one device (IPv4 address, IPv6 /64) may open per minute. */
  connectionsPerMinute: number;
}

export const defaultRealtimeLimits: RealtimeLimits = { eventsPerSecond: 10, maxQueued: 8, maxRooms: 10, connectionsPerMinute: 60 };

type Reply = { ok: true; data: unknown } | { ok: false; error: string };

/** How often a node with operators on its map tells the other nodes (see `operatorsWatching`). */
const OPERATORS_PRESENT_MS = 10_000;

function failure(err: unknown): Reply {
  if (err instanceof ServiceError) return { ok: false, error: err.message };
  return { ok: false, error: 'Something went wrong; please try again.' };
}

export function createRealtime(opts: RealtimeOptions): { io: Server<ClientToServerEvents, ServerToClientEvents>; notifier: ChangeNotifier; close(): Promise<void> } {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(opts.httpServer, {
    path: '/socket.io',
    serveClient: false,
    // Other upgrade paths (/ocpp/<id>) belong to the charger gateway: leave them alone.
    destroyUpgrade: false,
    ...PHONE_PING,
    // Every event plugpay accepts is a few hundred bytes; the default is 1 MB.
    maxHttpBufferSize: 16 * 1024,
    ...(opts.adapter ? { adapter: opts.adapter } : {})
  });
  const log = opts.logger.child({ component: 'realtime' });
  const limits = { ...defaultRealtimeLimits, ...opts.limits };
  const events = new RateLimiterMemory({ keyPrefix: 'socket-events', points: limits.eventsPerSecond, duration: 1 });
  const connections = new RateLimiterMemory({ keyPrefix: 'socket-connections', points: limits.connectionsPerMinute, duration: 60 });
  const deviceOf = (socket: Socket) =>
    clientKey(clientAddress(socket.handshake.address, socket.handshake.headers['x-forwarded-for'] as string | undefined, opts.trustedProxies ?? 0));

  io.use((socket, next) => {
    connections.consume(deviceOf(socket)).then(
      () => next(),
      (res) => {
        if (!(res instanceof RateLimiterRes)) log.error({ err: res }, 'connection limiter failed');
        next(new Error('Too many connections from this device. Wait a minute and try again.'));
      }
    );
  });

  /** True when the socket may join `room`: it is in it already, or below its cap. */
  const mayJoin = (socket: Socket, room: string) => socket.rooms.has(room) || socket.rooms.size - 1 < limits.maxRooms; // minus its own room
  const TOO_MANY_ROOMS = 'Too many live views open on this connection. Reload the page.';

  io.on('connection', (socket) => {
    // One socket's events run one after another: a client can keep this node busy with one
    // handler at a time, never with thousands at once.
    let turn: Promise<void> = Promise.resolve();
    let queued = 0;
    let flooded = false;
    socket.on('disconnect', () => void events.delete(socket.id));

    const flood = (reply: (r: Reply) => void, why: string) => {
      if (flooded) return;
      flooded = true;
      log.warn({ socketId: socket.id, device: deviceOf(socket), why }, 'socket flooded; disconnecting it');
      reply({ ok: false, error: 'Too many requests on this connection; it is being closed.' });
      socket.disconnect(true);
    };

    // A malformed event (no ack function, wrong shapes) must never throw inside the server.
    const safe = <P>(handler: (payload: P, ack: (r: Reply) => void) => Promise<void>) =>
      (payload: P, ack?: unknown) => {
        const reply = typeof ack === 'function' ? (ack as (r: Reply) => void) : () => undefined;
        if (flooded) return;
        if (queued >= limits.maxQueued) return flood(reply, 'queue');
        queued++;
        const spend = events.consume(socket.id).then(
          () => true,
          (res) => {
            if (!(res instanceof RateLimiterRes)) log.error({ err: res }, 'event limiter failed');
            return false;
          }
        );
        turn = turn.then(async () => {
          try {
            if (!(await spend)) return flood(reply, 'rate');
            if (flooded) return;
            await handler(payload, reply);
          } catch (err) {
            log.error({ err }, 'socket handler failed');
            reply(failure(err));
          } finally {
            queued--;
          }
        });
      };

    socket.on('session:join', safe(async (payload, ack) => {
      const p = sessionJoinPayload.safeParse(payload);
      if (!p.success) return ack({ ok: false, error: 'sessionId and token are required' });
      if (!mayJoin(socket, rooms.session(p.data.sessionId))) return ack({ ok: false, error: TOO_MANY_ROOMS });
      try {
        const view = await opts.charging.sessionView(p.data.sessionId, p.data.token);
        await socket.join(rooms.session(p.data.sessionId));
        ack({ ok: true, data: view });
      } catch (err) {
        ack(failure(err));
      }
    }) as never);

    socket.on('session:stop', safe(async (payload, ack) => {
      const p = sessionJoinPayload.safeParse(payload);
      if (!p.success) return ack({ ok: false, error: 'sessionId and token are required' });
      try {
        ack({ ok: true, data: await opts.charging.stopSession(p.data.sessionId, p.data.token) });
      } catch (err) {
        ack(failure(err));
      }
    }) as never);

    socket.on('connector:join', safe(async (payload, ack) => {
      const p = connectorJoinPayload.safeParse(payload);
      if (!p.success) return ack({ ok: false, error: 'connectorId is required' });
      if (!mayJoin(socket, rooms.connector(p.data.connectorId))) return ack({ ok: false, error: TOO_MANY_ROOMS });
      const view = await opts.charging.connectorView(p.data.connectorId);
      if (!view) return ack({ ok: false, error: 'No such connector.' });
      await socket.join(rooms.connector(p.data.connectorId));
      ack({ ok: true, data: view });
    }) as never);

    socket.on('operator:join', safe(async (payload, ack) => {
      const p = operatorJoinPayload.safeParse(payload ?? {});
      const allowed = p.success && (opts.staffAllowed ? await opts.staffAllowed({ cookie: socket.handshake.headers.cookie, origin: socket.handshake.headers.origin, host: socket.handshake.headers.host }, p.data.token) : tokenIsOperators(p.data.token, opts.operatorToken));
      if (!allowed) return ack({ ok: false, error: 'Sign in to the operator console first.' });
      if (!mayJoin(socket, rooms.operators)) return ack({ ok: false, error: TOO_MANY_ROOMS });
      await socket.join(rooms.operators);
      sayOperatorsPresent();
      ack({ ok: true, data: await opts.charging.operatorStations() });
    }) as never);
  });

  // Operators anywhere? A station view reads every connector of the station, so it is built
  // only while someone watches the map: an operator on this node, or one on another node (each
  // node with operators says so to the others on join and every OPERATORS_PRESENT_MS after).
  let othersWatchUntil = 0;
  const localOperators = () => io.sockets.adapter.rooms.get(rooms.operators)?.size ?? 0;
  const operatorsWatching = () => localOperators() > 0 || performance.now() < othersWatchUntil;
  const sayOperatorsPresent = () => {
    if (opts.adapter && localOperators() > 0) io.serverSideEmit('operators:present');
  };
  io.on('operators:present' as never, () => {
    othersWatchUntil = performance.now() + 3 * OPERATORS_PRESENT_MS;
  });
  const presence = setInterval(sayOperatorsPresent, OPERATORS_PRESENT_MS);
  presence.unref();

  // Operator updates are coalesced per station: meter values arrive often, the map needs ~2/s.
  const pendingStations = new Map<string, NodeJS.Timeout>();
  const notifier: ChangeNotifier = {
    sessionChanged(view) {
      io.to(rooms.session(view.id)).emit('session:update', view);
    },
    connectorChanged(c) {
      io.to(rooms.connector(c.connectorId)).emit('connector:update', c);
    },
    stationChanged(stationId) {
      if (pendingStations.has(stationId) || !operatorsWatching()) return;
      pendingStations.set(
        stationId,
        setTimeout(() => {
          pendingStations.delete(stationId);
          opts.charging
            .operatorStation(stationId)
            .then((s) => {
              if (s) io.to(rooms.operators).emit('station:update', s);
            })
            .catch((err) => log.warn({ err, stationId }, 'could not publish a station update'));
        }, 500)
      );
    }
  };

  return {
    io,
    notifier,
    async close() {
      clearInterval(presence);
      for (const t of pendingStations.values()) clearTimeout(t);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    }
  };
}
