/**
 * The charger gateway: plugpay as an OCPP 1.6J Central System on `/ocpp/<chargePointId>`.
 * It authenticates chargers (security profile 1), keeps one connection per charger, hands
 * incoming requests to the OCPP 1.6 handlers and offers ChargerCommands to the rest of plugpay.
 * ocpp-rpc is used here and in `ocpp16/` only.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
// ocpp-rpc is CommonJS: Node's ESM loader cannot see its named exports, so take them from the default.
import ocppRpc from 'ocpp-rpc';
const { RPCError, RPCServer, TimeoutError } = ocppRpc;
import type { Logger } from '../log.js';
import { ChargerRepository } from '../store/charger-repository.js';
import type { Db } from '../store/db.js';
import { AuthLockout } from './auth-lockout.js';
import { attachCentralSystem, VerdictMemory } from './ocpp16/central-system.js';
import { answerOf } from './ocpp16/words.js';
import { verifyHandshakePassword } from './password.js';
import { TransactionCache } from './transaction-cache.js';
import { MeterSampleWriter } from '../store/meter-sample-writer.js';
import { ChargerCommandError, ChargerUnavailableError, type ChargerCommands, type ChargerListener } from './port.js';
import { RELAYED_METHODS, type CommandRelay } from './relay.js';

export interface OcppGatewayOptions {
  db: Db;
  listener: ChargerListener;
  logger: Logger;
  /** This node's id, stored in chargers.node_id while a charger is connected here. */
  nodeId: string;
  /** BootNotification.conf interval (OCPP 1.6 §4.2). */
  heartbeatSeconds: number;
  /** MeterValueSampleInterval set on every charger after boot (§9.1). */
  meterIntervalSeconds: number;
  /** How long a command waits for the charger's answer; 30 s by default. */
  callTimeoutMs?: number;
  clock?: () => Date;
  relay?: CommandRelay;
  /** How long meter samples wait to be written in a batch (write-behind); 250 ms by default. */
  sampleFlushMs?: number;
}

export interface OcppGateway {
  /** Takes an HTTP upgrade for `/ocpp/<id>` and returns true; returns false for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  commands: ChargerCommands;
  /** Ids of the chargers connected to this node. */
  connectedIds(): string[];
  /** Writes the meter samples buffered so far (they are otherwise written within sampleFlushMs). */
  flushSamples(): Promise<void>;
  /** Closes every charger connection (they are marked offline) and stops accepting new ones. */
  close(): Promise<void>;
}

const SUBPROTOCOL = 'ocpp1.6';
const PATH = /^\/ocpp\/([^/]+)$/;
const ID_TAG_MAX = 20; // OCPP 1.6 §7.27 IdToken: CiString20Type

/** The measurands plugpay bills and shows (§9.1.15 MeterValuesSampledData). */
export const SAMPLED_DATA = 'Energy.Active.Import.Register,Power.Active.Import,SoC';
export const SAMPLED_DATA_WITHOUT_SOC = 'Energy.Active.Import.Register,Power.Active.Import';

type RpcClient = {
  identity: string;
  call(method: string, params: unknown, options?: { callTimeoutMs?: number }): Promise<unknown>;
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<unknown>;
  handle(method: string, handler: (call: { method: string; params: unknown; messageId: string }) => Promise<unknown>): void;
  /** ocpp-rpc keeps the handshake (and its HTTP request) for the connection's life. */
  handshake: { request?: IncomingMessage; headers?: unknown; query?: unknown };
  on(event: string, fn: (...args: any[]) => void): void;
  once(event: string, fn: (...args: any[]) => void): void;
};

function refuse(socket: Duplex, code: number, message: string): void {
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${code} ${message}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  socket.destroy();
}

/**
 * Starts the gateway. Chargers this node left marked online (a crash) are marked offline first,
 * and the listener hears it.
 *
 * @example
 * const gateway = await createOcppGateway({ db, listener, logger, nodeId, heartbeatSeconds: 300, meterIntervalSeconds: 10 });
 * httpServer.on('upgrade', (req, socket, head) => { if (!gateway.handleUpgrade(req, socket, head)) socket.destroy(); });
 */
export async function createOcppGateway(opts: OcppGatewayOptions): Promise<OcppGateway> {
  const repo = new ChargerRepository(opts.db);
  const clock = opts.clock ?? (() => new Date());
  const log = opts.logger;
  const callTimeoutMs = opts.callTimeoutMs ?? 30_000;
  const clients = new Map<string, RpcClient>();
  const pending = new Set<Promise<unknown>>();
  const startVerdicts = new VerdictMemory();
  const transactions = new TransactionCache((id) => repo.findTransaction(id));
  const samples = new MeterSampleWriter(opts.db, log, opts.sampleFlushMs ?? 250);
  let closing = false;

  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  for (const chargerId of await repo.markAllOfflineForNode(opts.nodeId)) {
    log.warn({ chargerId, nodeId: opts.nodeId }, 'charger left online by an earlier run of this node; marked offline');
    await opts.listener.chargerOffline({ chargerId, at: clock() }).catch((err) => log.error({ err, chargerId }, 'listener.chargerOffline failed'));
  }

  const rpc = new RPCServer({
    protocols: [SUBPROTOCOL],
    strictMode: true,
    callTimeoutMs,
    // OCPP-J 1.6 §5: the charger's WebSocket pings keep the link; ours detect a dead peer.
    pingIntervalMs: 30_000,
    // The largest OCPP 1.6 message plugpay handles (a MeterValues with a few samples, a
    // DataTransfer) is a few KiB; ws otherwise reads frames of up to 100 MiB into memory. A
    // larger frame closes the connection with 1009 Message Too Big (RFC 6455 §7.4.1).
    wssOptions: { maxPayload: 64 * 1024 }
  });
  rpc.on('error', (err: unknown) => log.error({ err }, 'OCPP WebSocket server error'));

  // Each check below costs a scrypt run: repeated bad credentials lock the charger id and the
  // remote address out for a while (429, nothing checked) instead of paying for every guess.
  const lockout = new AuthLockout({ onLock: (lock) => log.warn(lock, 'charger authentication locked after repeated failures') });
  rpc.auth(lockout.guard(async (accept, reject, handshake) => {
    const chargerId = handshake.identity;
    try {
      // OCPP-J 1.6 §3.1.2: the charger must offer the ocpp1.6 subprotocol.
      if (!handshake.protocols.has(SUBPROTOCOL)) return reject(400, `Subprotocol ${SUBPROTOCOL} required`);
      // Security profile 1 (whitepaper §2.1): Basic auth, user = chargePointId, checked for
      // unknown chargers too so timing does not reveal which ids exist.
      const hash = await repo.passwordHash(chargerId);
      const ok = await verifyHandshakePassword(handshake as { password?: Buffer }, hash);
      if (!ok) {
        log.warn({ chargerId, remoteAddress: handshake.remoteAddress, known: hash !== null }, 'charger refused: bad credentials');
        return reject(401, 'Unauthorized');
      }
      accept({ chargerId }, SUBPROTOCOL);
    } catch (err) {
      log.error({ err, chargerId }, 'charger authentication failed inside plugpay');
      reject(503, 'Service Unavailable');
    }
  }));

  /**
   * ocpp-rpc keeps, for a connection's life, its upgrade's listeners on the socket (closures
   * over the HTTP request, the parsed URL and an AbortController) and the request in the
   * handshake. Neither is read after the upgrade, and at 10,000 idle chargers they were a few
   * KiB of heap each; the socket's own listeners (ws's) are left alone.
   */
  const upgradeListeners = new WeakMap<IncomingMessage, { event: string; fn: Function }[]>();
  function forgetUpgrade(client: RpcClient): void {
    const handshake = client.handshake;
    const request = handshake.request;
    // The upgrade's socket is the request's own.
    for (const { event, fn } of (request && upgradeListeners.get(request)) ?? []) request!.socket.removeListener(event, fn as (...args: unknown[]) => void);
    handshake.request = undefined;
    handshake.headers = undefined;
    handshake.query = undefined;
  }

  rpc.on('client', (client: RpcClient) => {
    const chargerId = client.identity;
    forgetUpgrade(client);
    const previous = clients.get(chargerId);
    clients.set(chargerId, client);
    if (previous) {
      // A charger that reconnects while its old socket still looks open (OCPP-J 1.6 §3.1.3):
      // the newest connection is the real one.
      log.info({ chargerId }, 'charger reconnected; closing its previous connection');
      void previous.close({ code: 1000, reason: 'Replaced by a newer connection' }).catch(() => undefined);
    }

    client.on('badMessage', ({ response, error }: { response: unknown[] | null; error: Error }) => {
      // ocpp-rpc answers a frame it cannot read with OCPP 2.0.1 codes; OCPP-J 1.6 §4.2.3 has
      // neither, and FormationViolation is its word for a message that is not valid OCPP-J.
      if (response && (response[2] === 'RpcFrameworkError' || response[2] === 'MessageTypeNotSupported')) {
        response[2] = 'FormationViolation';
      }
      log.warn({ chargerId, err: error }, 'malformed OCPP frame');
    });
    client.on('strictValidationFailure', ({ method, outbound, isCall, error }: { method: string; outbound: boolean; isCall: boolean; error: Error }) => {
      log.warn({ chargerId, method, outbound, isCall, err: error }, 'OCPP message failed schema validation');
    });

    const ready = (async () => {
      await repo.markOnline(chargerId, opts.nodeId, clock());
      await opts.listener.chargerOnline({ chargerId, at: clock() });
      log.info({ chargerId }, 'charger connected');
    })().catch((err) => log.error({ err, chargerId }, 'could not record charger online'));
    track(ready);

    attachCentralSystem(client, {
      chargerId,
      repo,
      listener: opts.listener,
      log,
      clock,
      heartbeatSeconds: opts.heartbeatSeconds,
      startVerdicts,
      transactions,
      samples,
      afterBoot: () => track(configureAfterBoot(client, chargerId)),
      ready
    });

    client.once('close', ({ code, reason }: { code: number; reason: string }) => {
      track(
        (async () => {
          await ready;
          if (clients.get(chargerId) !== client) return; // replaced: the newer connection owns the charger
          clients.delete(chargerId);
          const at = clock();
          if (await repo.markOffline(chargerId, opts.nodeId, at)) {
            await opts.listener.chargerOffline({ chargerId, at });
          }
          log.info({ chargerId, code, reason }, 'charger disconnected');
        })().catch((err) => log.error({ err, chargerId }, 'could not record charger offline'))
      );
    });
  });

  /**
   * After an accepted boot: ask for the samples plugpay bills from (§9.1.15, §9.1.16), then
   * for every connector's status (§5.17), since what we stored may be stale after a reboot.
   */
  async function configureAfterBoot(client: RpcClient, chargerId: string): Promise<void> {
    const ask = async (method: string, params: Record<string, unknown>): Promise<string | undefined> => {
      try {
        const status = ((await client.call(method, params, { callTimeoutMs })) as { status?: string })?.status;
        if (status !== 'Accepted') log.warn({ chargerId, method, params, status }, 'charger did not accept post-boot configuration');
        return status;
      } catch (err) {
        log.warn({ err, chargerId, method, params }, 'post-boot configuration call failed');
        return undefined;
      }
    };
    await ask('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: String(Math.max(1, Math.round(opts.meterIntervalSeconds))) });
    // A charger rejects the whole list when one measurand is unknown to it (§9.1.15); AC
    // chargers seldom know the car's SoC, so ask again without it.
    if ((await ask('ChangeConfiguration', { key: 'MeterValuesSampledData', value: SAMPLED_DATA })) === 'Rejected') {
      await ask('ChangeConfiguration', { key: 'MeterValuesSampledData', value: SAMPLED_DATA_WITHOUT_SOC });
    }
    await ask('TriggerMessage', { requestedMessage: 'StatusNotification' });
  }

  async function callLocal(client: RpcClient, chargerId: string, method: string, params: unknown): Promise<unknown> {
    try {
      return await client.call(method, params, { callTimeoutMs });
    } catch (err) {
      if (err instanceof RPCError) {
        throw new ChargerCommandError(chargerId, `charger ${chargerId} answered ${method} with ${(err as InstanceType<typeof RPCError>).rpcErrorCode}: ${(err as Error).message}`, { cause: err });
      }
      if (err instanceof TimeoutError) {
        throw new ChargerUnavailableError(chargerId, `charger ${chargerId} did not answer ${method} within ${callTimeoutMs} ms`, { cause: err });
      }
      throw new ChargerUnavailableError(chargerId, `charger ${chargerId} could not be called: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Serves a call relayed from another node for a charger connected here. */
  async function serveRelayed(chargerId: string, method: string, params: unknown): Promise<unknown> {
    if (!(RELAYED_METHODS as readonly string[]).includes(method)) throw new RangeError(`method ${method} cannot be relayed`);
    const client = clients.get(chargerId);
    if (!client) throw new ChargerUnavailableError(chargerId, `charger ${chargerId} is not connected to node ${opts.nodeId}`);
    return callLocal(client, chargerId, method, params);
  }
  opts.relay?.serve(serveRelayed);

  async function send(chargerId: string, method: string, params: unknown): Promise<unknown> {
    const client = clients.get(chargerId);
    if (client) return callLocal(client, chargerId, method, params);
    if (opts.relay) {
      const charger = await repo.find(chargerId);
      if (charger?.online && charger.nodeId && charger.nodeId !== opts.nodeId) {
        return opts.relay.send(charger.nodeId, chargerId, method, params);
      }
    }
    throw new ChargerUnavailableError(chargerId);
  }

  function mapped<T extends string>(chargerId: string, method: string, table: Record<string, T>, conf: unknown): T {
    const word = answerOf(table, conf);
    if (word === undefined) throw new ChargerCommandError(chargerId, `charger ${chargerId} answered ${method} with ${JSON.stringify(conf)}`);
    return word;
  }

  function checkChargerId(chargerId: string): void {
    if (typeof chargerId !== 'string' || chargerId.length < 1 || chargerId.length > 48) throw new RangeError('chargerId must be 1 to 48 characters');
  }
  function checkInt(name: string, v: unknown, min: number): void {
    if (!Number.isInteger(v) || (v as number) < min) throw new RangeError(`${name} must be an integer of at least ${min}`);
  }

  const accepted = { Accepted: 'accepted', Rejected: 'rejected' } as const;

  const commands: ChargerCommands = {
    async remoteStart(chargerId, connectorNo, idTag) {
      checkChargerId(chargerId);
      // §5.11: connectorId > 0; idTag is an IdToken, at most 20 characters (§7.27).
      checkInt('connectorNo', connectorNo, 1);
      if (typeof idTag !== 'string' || idTag.length < 1 || idTag.length > ID_TAG_MAX) {
        throw new RangeError(`idTag must be 1 to ${ID_TAG_MAX} characters (OCPP 1.6 IdToken)`);
      }
      const conf = await send(chargerId, 'RemoteStartTransaction', { connectorId: connectorNo, idTag });
      return mapped(chargerId, 'RemoteStartTransaction', accepted, conf);
    },
    async remoteStop(chargerId, transactionId) {
      checkChargerId(chargerId);
      checkInt('transactionId', transactionId, 0);
      const conf = await send(chargerId, 'RemoteStopTransaction', { transactionId });
      return mapped(chargerId, 'RemoteStopTransaction', accepted, conf);
    },
    async changeConfiguration(chargerId, key, value) {
      checkChargerId(chargerId);
      // §5.3: key is CiString50Type, value CiString500Type.
      if (typeof key !== 'string' || key.length < 1 || key.length > 50) throw new RangeError('key must be 1 to 50 characters');
      if (typeof value !== 'string' || value.length > 500) throw new RangeError('value must be at most 500 characters');
      const conf = await send(chargerId, 'ChangeConfiguration', { key, value });
      return mapped(chargerId, 'ChangeConfiguration', { ...accepted, RebootRequired: 'reboot-required', NotSupported: 'not-supported' } as const, conf);
    },
    async triggerMessage(chargerId, message, connectorNo) {
      checkChargerId(chargerId);
      if (!['BootNotification', 'Heartbeat', 'MeterValues', 'StatusNotification'].includes(message)) throw new RangeError(`cannot trigger ${message}`);
      if (connectorNo !== undefined) checkInt('connectorNo', connectorNo, 0);
      const conf = await send(chargerId, 'TriggerMessage', connectorNo === undefined ? { requestedMessage: message } : { requestedMessage: message, connectorId: connectorNo });
      return mapped(chargerId, 'TriggerMessage', { ...accepted, NotImplemented: 'not-implemented' } as const, conf);
    },
    async changeAvailability(chargerId, connectorNo, available) {
      checkChargerId(chargerId);
      checkInt('connectorNo', connectorNo, 0); // §5.2: 0 is the whole Charge Point
      const conf = await send(chargerId, 'ChangeAvailability', { connectorId: connectorNo, type: available ? 'Operative' : 'Inoperative' });
      return mapped(chargerId, 'ChangeAvailability', { ...accepted, Scheduled: 'scheduled' } as const, conf);
    },
    async reset(chargerId, kind) {
      checkChargerId(chargerId);
      if (kind !== 'Soft' && kind !== 'Hard') throw new RangeError('kind must be Soft or Hard');
      const conf = await send(chargerId, 'Reset', { type: kind });
      return mapped(chargerId, 'Reset', accepted, conf);
    },
    async unlockConnector(chargerId, connectorNo) {
      checkChargerId(chargerId);
      checkInt('connectorNo', connectorNo, 1); // §5.18: connectorId > 0
      const conf = await send(chargerId, 'UnlockConnector', { connectorId: connectorNo });
      return mapped(chargerId, 'UnlockConnector', { Unlocked: 'unlocked', UnlockFailed: 'unlock-failed', NotSupported: 'not-supported' } as const, conf);
    },
    async isConnected(chargerId) {
      if (clients.has(chargerId)) return true;
      const charger = await repo.find(chargerId);
      // Online at another node counts only when a relay can reach it.
      return Boolean(opts.relay && charger?.online && charger.nodeId && charger.nodeId !== opts.nodeId);
    }
  };

  return {
    handleUpgrade(req, socket, head) {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const match = PATH.exec(path);
      if (!match) return false;
      let chargerId: string;
      try {
        chargerId = decodeURIComponent(match[1]);
      } catch {
        refuse(socket, 400, 'Bad Request');
        return true;
      }
      // Ids are at most 48 characters, the length OCPP 1.6 allows a chargeBoxIdentity.
      if (closing || chargerId.length < 1 || chargerId.length > 48) {
        refuse(socket, closing ? 503 : 400, closing ? 'Service Unavailable' : 'Bad Request');
        return true;
      }
      // ocpp-rpc's upgrade adds 'error', 'end' and 'close' listeners to the socket before its
      // first await; they are noted here and taken off once the charger is connected.
      const before = { error: socket.listeners('error'), end: socket.listeners('end'), close: socket.listeners('close') };
      const upgrade = rpc.handleUpgrade(req, socket as never, head);
      const added = (['error', 'end', 'close'] as const).flatMap((event) => socket.listeners(event).filter((fn) => !before[event].includes(fn)).map((fn) => ({ event, fn })));
      upgradeListeners.set(req, added);
      upgrade.catch((err: unknown) => {
        log.error({ err, chargerId }, 'OCPP upgrade failed');
        refuse(socket, 500, 'Internal Server Error');
      });
      return true;
    },
    commands,
    connectedIds: () => [...clients.keys()].sort(),
    flushSamples: () => samples.flush(),
    async close() {
      closing = true;
      const open = [...clients.values()];
      // Going away (1001) tells chargers to reconnect, to another node behind the balancer.
      await Promise.race([
        Promise.all(open.map((c) => c.close({ code: 1001, reason: 'plugpay is shutting down' }).catch(() => undefined))),
        new Promise((resolve) => setTimeout(resolve, 2000).unref())
      ]);
      await rpc.close({ force: true }).catch(() => undefined);
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await samples.close();
    }
  };
}
