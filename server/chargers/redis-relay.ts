/**
 * CommandRelay over Redis pub/sub. Each node subscribes to its own request channel and to its
 * own reply channel; a command for a charger held by node X is published on X's request
 * channel and X answers on the sender's reply channel. Pub/sub keeps nothing: a node that is
 * down or slow simply yields ChargerUnavailableError after the timeout, which is what a caller
 * gets for any charger it cannot reach.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { ChargerCommandError, ChargerUnavailableError } from './port.js';
import type { CommandRelay, RelayedCallHandler } from './relay.js';

export interface RedisRelayOptions {
  url: string;
  nodeId: string;
  logger: Logger;
  /** How long a relayed command may take, the charger's own answer included; 35 s by default. */
  timeoutMs?: number;
  /** Channel name prefix, so several plugpay installations (or tests) can share one Redis. */
  prefix?: string;
}

export interface RedisRelay extends CommandRelay {
  close(): Promise<void>;
}

const requestSchema = z.object({
  id: z.string().min(1).max(100),
  replyTo: z.string().min(1).max(300),
  chargerId: z.string().min(1).max(48),
  method: z.string().min(1).max(50),
  params: z.unknown()
});
const replySchema = z.union([
  z.object({ id: z.string(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.string(), ok: z.literal(false), error: z.object({ name: z.string(), message: z.string() }) })
]);

/** Errors cross the wire by name, so callers on the other node can still tell them apart. */
function revive(chargerId: string, error: { name: string; message: string }): Error {
  if (error.name === 'ChargerUnavailableError') return new ChargerUnavailableError(chargerId, error.message);
  if (error.name === 'ChargerCommandError') return new ChargerCommandError(chargerId, error.message);
  if (error.name === 'RangeError') return new RangeError(error.message);
  return new Error(`relayed command failed: ${error.message}`);
}

/**
 * @example
 * const relay = await createRedisRelay({ url: config.redisUrl, nodeId: config.nodeId, logger });
 * const gateway = await createOcppGateway({ ..., relay });
 */
export async function createRedisRelay(opts: RedisRelayOptions): Promise<RedisRelay> {
  const prefix = opts.prefix ?? 'plugpay:ocpp';
  const timeoutMs = opts.timeoutMs ?? 35_000;
  const requestChannel = (nodeId: string) => `${prefix}:node:${nodeId}`;
  const replyChannel = `${prefix}:reply:${opts.nodeId}`;
  const log = opts.logger.child({ relay: 'redis', nodeId: opts.nodeId });

  const pub = createClient({ url: opts.url });
  const sub = pub.duplicate();
  // The redis client reconnects by itself; an 'error' listener keeps a dropped link from crashing the process.
  pub.on('error', (err) => log.warn({ err }, 'redis publisher error'));
  sub.on('error', (err) => log.warn({ err }, 'redis subscriber error'));
  await pub.connect();
  await sub.connect();

  let handler: RelayedCallHandler | undefined;
  const pending = new Map<string, { chargerId: string; resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  await sub.subscribe(requestChannel(opts.nodeId), (message) => {
    let req: z.infer<typeof requestSchema>;
    try {
      req = requestSchema.parse(JSON.parse(message));
    } catch (err) {
      log.warn({ err }, 'unreadable relayed command ignored');
      return;
    }
    void (async () => {
      let reply: z.infer<typeof replySchema>;
      try {
        if (!handler) throw new ChargerUnavailableError(req.chargerId, `node ${opts.nodeId} is not serving chargers yet`);
        reply = { id: req.id, ok: true, result: await handler(req.chargerId, req.method, req.params) };
      } catch (err) {
        const e = err as Error;
        reply = { id: req.id, ok: false, error: { name: e.name ?? 'Error', message: e.message ?? String(err) } };
      }
      await pub.publish(req.replyTo, JSON.stringify(reply)).catch((err) => log.warn({ err, chargerId: req.chargerId }, 'could not publish relay reply'));
    })();
  });

  await sub.subscribe(replyChannel, (message) => {
    let reply: z.infer<typeof replySchema>;
    try {
      reply = replySchema.parse(JSON.parse(message));
    } catch (err) {
      log.warn({ err }, 'unreadable relay reply ignored');
      return;
    }
    const waiting = pending.get(reply.id);
    if (!waiting) return; // timed out already
    pending.delete(reply.id);
    clearTimeout(waiting.timer);
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(revive(waiting.chargerId, reply.error));
  });

  return {
    serve(h) {
      handler = h;
    },
    async send(nodeId, chargerId, method, params) {
      const id = randomUUID();
      const answer = new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new ChargerUnavailableError(chargerId, `node ${nodeId} did not answer ${method} for charger ${chargerId} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { chargerId, resolve, reject, timer });
      });
      let receivers: number;
      try {
        receivers = await pub.publish(requestChannel(nodeId), JSON.stringify({ id, replyTo: replyChannel, chargerId, method, params }));
      } catch (err) {
        const waiting = pending.get(id);
        if (waiting) clearTimeout(waiting.timer);
        pending.delete(id);
        throw new ChargerUnavailableError(chargerId, `could not relay ${method} to node ${nodeId}`, { cause: err });
      }
      if (receivers === 0) {
        // Nobody listens on that node's channel: it is gone, and its chargers with it.
        const waiting = pending.get(id);
        if (waiting) clearTimeout(waiting.timer);
        pending.delete(id);
        throw new ChargerUnavailableError(chargerId, `node ${nodeId} is not reachable for charger ${chargerId}`);
      }
      return answer;
    },
    async close() {
      for (const [id, waiting] of pending) {
        clearTimeout(waiting.timer);
        waiting.reject(new ChargerUnavailableError(waiting.chargerId, 'relay closed'));
        pending.delete(id);
      }
      await sub.unsubscribe().catch(() => undefined);
      await Promise.allSettled([sub.close(), pub.close()]);
    }
  };
}
