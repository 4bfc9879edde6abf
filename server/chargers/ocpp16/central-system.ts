/**
 * The Central System side of OCPP 1.6J: one handler per Charge Point-initiated action
 * (OCPP 1.6 edition 2, chapter 4). Each handler stores what it learnt, tells the listener in
 * plugpay's words, and only then answers, so a crash before the answer makes the charger retry.
 */
// ocpp-rpc is CommonJS: Node's ESM loader cannot see its named exports, so take them from the default.
import ocppRpc from 'ocpp-rpc';
const { createRPCError, RPCError } = ocppRpc;
import type { Logger } from '../../log.js';
import type { ChargerRepository } from '../../store/charger-repository.js';
import type { MeterSampleWriter } from '../../store/meter-sample-writer.js';
import type { TransactionCache } from '../transaction-cache.js';
import type { ChargerListener, IdTagVerdict } from '../port.js';
import { readMeterValues, type MeterValue16 } from './meter-values.js';
import { connectorStatusOf, idTagInfoOf } from './words.js';

/** The slice of an ocpp-rpc client the handlers need. */
export interface HandlerHost {
  handle(method: string, handler: (call: { method: string; params: unknown; messageId: string }) => Promise<unknown>): void;
}

export interface CentralSystemContext {
  chargerId: string;
  repo: ChargerRepository;
  listener: ChargerListener;
  log: Logger;
  clock: () => Date;
  heartbeatSeconds: number;
  /** Remembers StartTransaction verdicts so a repeated StartTransaction gets the same answer. */
  startVerdicts: VerdictMemory;
  /** Running transactions in memory (the MeterValues hot path looks nothing up in the database). */
  transactions: TransactionCache;
  /** Meter samples are written behind, in batches. */
  samples: MeterSampleWriter;
  /** Runs after an accepted BootNotification's answer has gone out. */
  afterBoot: () => void;
  /** Settles once the connection is recorded online and the listener heard chargerOnline. */
  ready: Promise<unknown>;
}

/** A bounded memory of StartTransaction verdicts by transaction id. */
export class VerdictMemory {
  private readonly map = new Map<number, IdTagVerdict>();
  constructor(private readonly max = 10_000) {}
  get(id: number): IdTagVerdict | undefined {
    return this.map.get(id);
  }
  set(id: number, verdict: IdTagVerdict): void {
    this.map.set(id, verdict);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as number);
  }
}

interface BootNotificationReq {
  chargePointVendor: string;
  chargePointModel: string;
  chargePointSerialNumber?: string;
  chargeBoxSerialNumber?: string;
  firmwareVersion?: string;
}
interface StatusNotificationReq {
  connectorId: number;
  errorCode: string;
  status: string;
  timestamp?: string;
  info?: string;
  vendorErrorCode?: string;
}
interface StartTransactionReq {
  connectorId: number;
  idTag: string;
  meterStart: number;
  timestamp: string;
  reservationId?: number;
}
interface StopTransactionReq {
  transactionId: number;
  meterStop: number;
  timestamp: string;
  idTag?: string;
  reason?: string;
  transactionData?: MeterValue16[];
}
interface MeterValuesReq {
  connectorId: number;
  transactionId?: number;
  meterValue: MeterValue16[];
}

function dateOf(iso: string, field: string): Date {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw createRPCError('TypeConstraintViolation', `${field} is not a date-time`);
  return d;
}

type Handler = (ctx: CentralSystemContext, params: any) => Promise<unknown>;

/**
 * One handler per action, shared by every connection: the charger's context is passed in, not
 * captured, so a connection costs one closure rather than one (and a scope) per action.
 */
const HANDLERS: Record<string, Handler> = {
  // §4.2 Boot Notification. Registered chargers are accepted; `interval` is the heartbeat
  // interval the charger adopts (§4.6).
  async BootNotification(ctx, p: BootNotificationReq) {
    const { chargerId, repo } = ctx;
    const now = ctx.clock();
    await repo.setBootInfo(
      chargerId,
      {
        vendor: p.chargePointVendor,
        model: p.chargePointModel,
        serialNumber: p.chargePointSerialNumber ?? p.chargeBoxSerialNumber,
        firmwareVersion: p.firmwareVersion
      },
      now
    );
    // A macrotask runs only after ocpp-rpc has written this answer to the socket, so the
    // charger hears "Accepted" before plugpay's first request (§4.2: no CS requests before).
    setImmediate(ctx.afterBoot);
    return { status: 'Accepted', currentTime: now.toISOString(), interval: Math.max(1, Math.round(ctx.heartbeatSeconds)) };
  },

  // §4.6 Heartbeat: the answer's currentTime lets the charger sync its clock.
  async Heartbeat(ctx, _p: unknown) {
    const { chargerId, repo } = ctx;
    const now = ctx.clock();
    await repo.touch(chargerId, now);
    return { currentTime: now.toISOString() };
  },

  // §4.9 Status Notification. connectorId 0 is the Charge Point as a whole; it has no connector
  // row, so it is passed on but not stored.
  async StatusNotification(ctx, p: StatusNotificationReq) {
    const { chargerId, repo, listener, log } = ctx;
    const at = p.timestamp ? dateOf(p.timestamp, 'timestamp') : ctx.clock();
    const status = connectorStatusOf(p.status);
    const errorCode = p.errorCode && p.errorCode !== 'NoError' ? p.errorCode : undefined;
    if (p.connectorId < 0) throw createRPCError('PropertyConstraintViolation', 'connectorId must be 0 or more');
    if (p.connectorId > 0) {
      const stored = await repo.setConnectorStatus(chargerId, p.connectorId, status, errorCode ?? null, at);
      if (!stored) {
        const charger = await repo.find(chargerId);
        if (!charger?.connectors.some((c) => c.connectorNo === p.connectorId)) {
          log.warn({ chargerId, connectorNo: p.connectorId, status: p.status }, 'status for a connector plugpay does not know; register it');
          return {};
        }
        // Older than the stored status: a queued notification from before a reconnect.
        log.debug({ chargerId, connectorNo: p.connectorId, at }, 'status older than the stored one; not applied');
        return {};
      }
    }
    await listener.connectorStatusChanged({ chargerId, connectorNo: p.connectorId, status, errorCode, at });
    return {};
  },

  // §4.1 Authorize.
  async Authorize(ctx, p: { idTag: string }) {
    return { idTagInfo: idTagInfoOf(await ctx.listener.authorize(p.idTag)) };
  },

  // §4.8 Start Transaction. plugpay assigns the transactionId (the table's serial). A charger
  // that rebooted before the answer reached it sends the same request again (§3.16, queued
  // transaction messages): the natural key finds the first transaction and the answer repeats.
  async StartTransaction(ctx, p: StartTransactionReq) {
    const { chargerId, repo, listener, log } = ctx;
    if (p.connectorId < 1) throw createRPCError('PropertyConstraintViolation', 'connectorId must be 1 or more for a transaction');
    const startedAt = dateOf(p.timestamp, 'timestamp');
    const { transaction, created } = await repo.startTransaction({
      chargerId,
      connectorNo: p.connectorId,
      idTag: p.idTag,
      meterStartWh: p.meterStart,
      startedAt
    });
    const started = { chargerId, connectorNo: p.connectorId, transactionId: transaction.id, idTag: p.idTag, meterStartWh: p.meterStart, at: startedAt };
    if (!transaction.stoppedAt) ctx.transactions.put(transaction);
    if (!created) {
      // A repeat: the same answer again. The verdict is remembered here, and after a restart the
      // listener is asked again; it answers a known transaction without applying it twice.
      const remembered = ctx.startVerdicts.get(transaction.id) ?? (await listener.transactionStarted(started));
      ctx.startVerdicts.set(transaction.id, remembered);
      return { transactionId: transaction.id, idTagInfo: idTagInfoOf(remembered) };
    }
    let verdict: IdTagVerdict;
    try {
      verdict = await listener.transactionStarted(started);
    } catch (err) {
      await repo.forgetTransaction(transaction.id).catch((e) => log.error({ err: e, chargerId, transactionId: transaction.id }, 'could not undo transaction'));
      throw err;
    }
    ctx.startVerdicts.set(transaction.id, verdict);
    return { transactionId: transaction.id, idTagInfo: idTagInfoOf(verdict) };
  },

  // §4.7 Meter Values. Samples are stored by their own timestamp, so late or out-of-order
  // deliveries land in place; only a sample newer than the last one of a running transaction
  // is news for the listener. Values without a transaction (connector 0, clock-aligned
  // readings) have nowhere to be stored and are acknowledged (§4.7: the CS SHALL answer).
  async MeterValues(ctx, p: MeterValuesReq) {
    const { chargerId, listener, log } = ctx;
    if (p.transactionId === undefined || p.connectorId === 0) return {};
    const tx = await ctx.transactions.get(p.transactionId);
    if (!tx || tx.chargerId !== chargerId) {
      log.warn({ chargerId, transactionId: p.transactionId }, 'meter values for a transaction this charger does not have; acknowledged, not stored');
      return {};
    }
    const read = readMeterValues(p.meterValue);
    if (read.problems.length > 0) log.warn({ chargerId, transactionId: tx.id, problems: read.problems }, 'some sampled values skipped');
    const news = tx.stoppedAt ? [] : read.readings.filter((r) => !tx.lastSampleAt || r.at > tx.lastSampleAt);
    ctx.samples.add(tx.id, read.rows, news.at(-1));
    for (const r of news) {
      tx.lastSampleAt = r.at;
      await listener.meterSampled({ chargerId, transactionId: tx.id, at: r.at, energyWh: r.energyWh, powerW: r.powerW, socPercent: r.socPercent });
    }
    return {};
  },

  // §4.10 Stop Transaction. Applied once; a repeat (the charger did not get our answer) and an
  // unknown transactionId are still acknowledged, or the charger would resend forever (§3.16).
  async StopTransaction(ctx, p: StopTransactionReq) {
    const { chargerId, repo, listener, log } = ctx;
    const stoppedAt = dateOf(p.timestamp, 'timestamp');
    const reason = p.reason ?? 'Local'; // §7.37: absent means Local
    const tx = await repo.findTransaction(p.transactionId);
    if (!tx || tx.chargerId !== chargerId) {
      log.warn({ chargerId, transactionId: p.transactionId }, 'StopTransaction for a transaction this charger does not have; acknowledged');
    } else {
      if (p.transactionData?.length) {
        const read = readMeterValues(p.transactionData);
        if (read.problems.length > 0) log.warn({ chargerId, transactionId: tx.id, problems: read.problems }, 'some transactionData values skipped');
        ctx.samples.add(tx.id, read.rows, tx.stoppedAt ? undefined : read.readings.at(-1));
      }
      // The transaction log is written first; the session (the one writer of the money fact)
      // hears every StopTransaction, repeats included, and applies it once. A crash between
      // the two writes made the charger's retry look like a repeat and lost the stop; now the
      // retry reaches the session again, which ignores it only if it already has it.
      // Its samples still buffered or on their way are written first, so its record is whole.
      await ctx.samples.flushTransaction(tx.id);
      const first = await repo.stopTransaction(tx.id, { meterStopWh: p.meterStop, stoppedAt, reason });
      ctx.transactions.stopped(tx.id);
      if (!first) log.info({ chargerId, transactionId: tx.id }, 'repeated StopTransaction; passed on, applied at most once');
      await listener.transactionStopped({
        chargerId,
        transactionId: tx.id,
        idTag: p.idTag ?? tx.idTag,
        meterStopWh: p.meterStop,
        at: stoppedAt,
        reason
      });
    }
    if (p.idTag === undefined) return {};
    // idTagInfo updates the charger's authorization cache (§3.5.1). The tag of this transaction
    // is answered with its status at the start (it was accepted then); a tag plugpay never
    // issued for it gets the real verdict, so a spent tag cannot charge again offline.
    try {
      return { idTagInfo: idTagInfoOf(await listener.stopVerdict({ chargerId, transactionId: p.transactionId, idTag: p.idTag })) };
    } catch (err) {
      log.warn({ err, chargerId, transactionId: p.transactionId }, 'no verdict for StopTransaction idTag; idTagInfo left out');
      return {};
    }
  },

  // §4.3 Data Transfer: plugpay has no vendor extensions.
  async DataTransfer(ctx, p: { vendorId: string; messageId?: string }) {
    const { chargerId, log } = ctx;
    log.info({ chargerId, vendorId: p.vendorId, messageId: p.messageId }, 'DataTransfer from charger; no such vendor extension');
    return { status: 'UnknownVendorId' };
  },

  // §4.4 and §4.5: plugpay starts neither diagnostics nor firmware updates, but must answer.
  async DiagnosticsStatusNotification(ctx, p: { status: string }) {
    ctx.log.info({ chargerId: ctx.chargerId, method: 'DiagnosticsStatusNotification', status: p.status }, 'charger status report');
    return {};
  },
  async FirmwareStatusNotification(ctx, p: { status: string }) {
    ctx.log.info({ chargerId: ctx.chargerId, method: 'FirmwareStatusNotification', status: p.status }, 'charger status report');
    return {};
  }
};

/**
 * Runs one call from the charger: protocol errors pass through as the CALLERROR they name;
 * anything else (the listener or the store failed) is logged with context and answered
 * InternalError (OCPP-J 1.6 §4.2.3), leaving the connection up so the charger can retry.
 */
async function answer(ctx: CentralSystemContext, handler: Handler, method: string, params: unknown, messageId: string): Promise<unknown> {
  try {
    // The listener hears chargerOnline before anything the charger says on that connection.
    await ctx.ready;
    return await handler(ctx, params);
  } catch (err) {
    if (err instanceof RPCError) throw err;
    ctx.log.error({ err, chargerId: ctx.chargerId, method, messageId }, 'OCPP request failed inside plugpay');
    throw createRPCError('InternalError', `plugpay could not process ${method}; retry later`);
  }
}

/**
 * Registers the handlers on a charger's connection: every action under its own name (an
 * action with no handler is still answered NotImplemented by ocpp-rpc), all through one closure.
 */
export function attachCentralSystem(client: HandlerHost, ctx: CentralSystemContext): void {
  const onCall = ({ method, params, messageId }: { method: string; params: unknown; messageId: string }) => answer(ctx, HANDLERS[method], method, params, messageId);
  for (const method of Object.keys(HANDLERS)) client.handle(method, onCall);
}
