/**
 * Socket.IO: drivers' session pages, connector landing pages and the operator console.
 * Every payload is validated; a session room is joined only with the session's token.
 * Connection-state recovery is on, so a phone that drops for a moment misses nothing; the
 * client also re-joins and takes a fresh snapshot.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import {
  connectorJoinPayload,
  operatorJoinPayload,
  rooms,
  sessionJoinPayload,
  type ClientToServerEvents,
  type ServerToClientEvents
} from '../../src/lib/shared/api.js';
import type { Logger } from '../log.js';
import { ServiceError, type ChangeNotifier, type ChargingService } from '../sessions/charging-service.js';
import { operatorAllowed } from '../sessions/operator-access.js';

export interface RealtimeOptions {
  httpServer: HttpServer;
  charging: ChargingService;
  logger: Logger;
  operatorToken?: string;
  /** Socket.IO adapter for several nodes (the Redis Streams adapter). */
  adapter?: Parameters<Server['adapter']>[0];
}

type Reply = { ok: true; data: unknown } | { ok: false; error: string };

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
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: true },
    ...(opts.adapter ? { adapter: opts.adapter } : {})
  });
  const log = opts.logger.child({ component: 'realtime' });

  io.on('connection', (socket) => {
    // A malformed event (no ack function, wrong shapes) must never throw inside the server.
    const safe = <P>(handler: (payload: P, ack: (r: Reply) => void) => Promise<void>) =>
      (payload: P, ack?: unknown) => {
        const reply = typeof ack === 'function' ? (ack as (r: Reply) => void) : () => undefined;
        handler(payload, reply).catch((err) => {
          log.error({ err }, 'socket handler failed');
          reply(failure(err));
        });
      };

    socket.on('session:join', safe(async (payload, ack) => {
      const p = sessionJoinPayload.safeParse(payload);
      if (!p.success) return ack({ ok: false, error: 'sessionId and token are required' });
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
      const view = await opts.charging.connectorView(p.data.connectorId);
      if (!view) return ack({ ok: false, error: 'No such connector.' });
      await socket.join(rooms.connector(p.data.connectorId));
      ack({ ok: true, data: view });
    }) as never);

    socket.on('operator:join', safe(async (payload, ack) => {
      const p = operatorJoinPayload.safeParse(payload ?? {});
      if (!p.success || !operatorAllowed(p.data.token, opts.operatorToken)) return ack({ ok: false, error: 'An operator token is required.' });
      await socket.join(rooms.operators);
      ack({ ok: true, data: await opts.charging.operatorStations() });
    }) as never);
  });

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
      if (pendingStations.has(stationId)) return;
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
      for (const t of pendingStations.values()) clearTimeout(t);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    }
  };
}
