/**
 * A simulated OCPP 1.6J charge point (edition 2) that talks to a Central System over a real
 * WebSocket, through ocpp-rpc's RPCClient, with HTTP Basic auth (security profile 1).
 *
 * Two clocks are in play:
 * - protocol timings (heartbeat, boot retry, reconnect backoff, message retry) run in real seconds,
 *   because the Central System measures them with its own clock;
 * - the physics (meter sample interval, how fast a car fills, the simulated driver) runs in
 *   simulated seconds, `timeScale` of them per real second, so demos move visibly and tests finish
 *   quickly. Message timestamps are read from `clock` (the wall clock unless one is given, e.g.
 *   plugpay's own when it runs the demo fleet on an injected clock).
 *
 * Energy is integrated in fixed simulated steps of one sample interval, so the register grows by
 * exactly power × interval between two periodic samples whatever the timer jitter.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
// ocpp-rpc is CommonJS: Node's ESM loader cannot see its named exports, so take them from the default.
import ocppRpc from 'ocpp-rpc';
const { RPCClient } = ocppRpc;
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import { charge, chargePowerW, defaultCar, MJ_PER_WH, plugInCar, socPercent, type CarSpec, type CarState } from './car.js';
import {
  changeConfiguration,
  getConfiguration,
  TRANSACTION_MESSAGE_ATTEMPTS,
  TRANSACTION_MESSAGE_RETRY_INTERVAL_S,
  type ChargerSettings,
  type Measurand
} from './configuration.js';

/** ChargePointStatus (OCPP 1.6 §7, ChargePointStatus). */
export type ChargePointStatus =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEV'
  | 'SuspendedEVSE'
  | 'Finishing'
  | 'Reserved'
  | 'Unavailable'
  | 'Faulted';

/** StopTransaction.req reason (OCPP 1.6 §7, Reason). */
export type StopReason =
  | 'EmergencyStop'
  | 'EVDisconnected'
  | 'HardReset'
  | 'Local'
  | 'Other'
  | 'PowerLoss'
  | 'Reboot'
  | 'Remote'
  | 'SoftReset'
  | 'UnlockCommand'
  | 'DeAuthorized';

export interface SimConnectorConfig {
  maxPowerW: number;
  plugType?: string;
  /** Lifetime meter register when the simulator starts, Wh (default 0). */
  initialMeterWh?: number;
}

export interface SimChargerBehaviour {
  /** Answer every RemoteStartTransaction with Rejected. */
  rejectRemoteStart?: boolean;
  /** Answer RemoteStartTransaction with Accepted but never start (a faulty charger). */
  ignoreRemoteStart?: boolean;
  /** A remote start on an empty connector counts as a driver plugging in a default car (default true). */
  autoPlug?: boolean;
  /** Simulated seconds after a stop before the simulated driver unplugs an auto-plugged car (default 10). */
  unplugAfterSeconds?: number;
}

export interface SimChargerOptions {
  id: string;
  password: string;
  /** ws://host:port/ocpp — the id is appended as the last path segment. */
  url: string;
  connectors: SimConnectorConfig[];
  /** MeterValueSampleInterval in simulated seconds (default 10). */
  meterIntervalSeconds?: number;
  /** Simulated seconds per real second (default 1). */
  timeScale?: number;
  vendor?: string;
  model?: string;
  firmware?: string;
  behaviour?: SimChargerBehaviour;
  /** Overrides for the car a driver plugs in when none is given. */
  car?: Partial<CarSpec>;
  logger?: Logger;
  /** Reconnect backoff after an unexpected drop, real ms (default 500 doubling up to 30 000). */
  reconnectDelayMs?: { initial: number; max: number };
  /** How long to wait for a Central System answer, real ms (default 30 000). */
  callTimeoutMs?: number;
  /** Where message timestamps come from (default the wall clock); timings stay in real ms. */
  clock?: () => Date;
}

export interface StatusEvent { connectorNo: number; status: ChargePointStatus }
export interface TransactionStartedEvent { connectorNo: number; transactionId: number; idTag: string; meterStartWh: number; idTagStatus: string }
export interface TransactionStoppedEvent { connectorNo: number; transactionId?: number; idTag: string; meterStopWh: number; reason: StopReason }
export interface MeterEvent { connectorNo: number; transactionId?: number; energyWh: number; powerW: number; socPercent?: number }

export interface SimChargerEvents {
  status: [StatusEvent];
  /** The Central System answered StartTransaction: the transactionId is known. */
  'transaction-started': [TransactionStartedEvent];
  /** The charger ended a transaction (the StopTransaction may still be queued). */
  'transaction-stopped': [TransactionStoppedEvent];
  meter: [MeterEvent];
  /** Connected and BootNotification Accepted. */
  online: [];
  offline: [];
  /** A connection attempt failed (unreachable, refused, wrong password); a retry follows. */
  'connection-failed': [Error];
}

interface Tx {
  connectorNo: number;
  idTag: string;
  meterStartWh: number;
  startedAt: Date;
  /** Assigned by the Central System in StartTransaction.conf; unknown while that is queued. */
  id?: number;
  /** StartTransaction could not be delivered: messages for this transaction cannot be either. */
  lost?: boolean;
  /** idTagInfo was not Accepted and StopTransactionOnInvalidId is false: offer no power. */
  suspendedByCentral?: boolean;
}

interface Connector {
  no: number;
  maxPowerW: number;
  plugType?: string;
  status: ChargePointStatus;
  car?: CarState;
  autoPlugged: boolean;
  tx?: Tx;
  registerMj: number;
  powerW: number;
  inoperative: boolean;
  /** ChangeAvailability received during a transaction: applied when it ends (§5.2). */
  scheduledInoperative?: boolean;
  /** Authorised (remote start) and waiting for the driver to plug in (§5.11). */
  pendingIdTag?: string;
  tickTimer?: NodeJS.Timeout;
  tickAt: number;
  simSinceTickMs: number;
  unplugTimer?: NodeJS.Timeout;
  cableTimer?: NodeJS.Timeout;
}

type SampledValue = { value: string; context: string; measurand: Measurand; unit: string; location: string; format: 'Raw' };
type MeterValue = { timestamp: string; sampledValue: SampledValue[] };

/** A transaction-related message (§3.7): delivered in order, kept through disconnections. */
type Outgoing = (
  | { action: 'StartTransaction'; params: { connectorId: number; idTag: string; meterStart: number; timestamp: string } }
  | { action: 'MeterValues'; params: { connectorId: number; meterValue: MeterValue[] } }
  | { action: 'StopTransaction'; params: { meterStop: number; timestamp: string; reason: StopReason; transactionData: MeterValue[] } }
) & { tx: Tx; attempts: number };

interface Link {
  client: InstanceType<typeof RPCClient>;
  booted: boolean;
  abort: AbortController;
}

type IdTagInfo = { status: string };

export class SimCharger extends EventEmitter<SimChargerEvents> {
  readonly id: string;
  private readonly opts: SimChargerOptions;
  private readonly log: Logger;
  private readonly timeScale: number;
  private readonly now: () => Date;
  private readonly behaviour: Required<SimChargerBehaviour>;
  private readonly connectors: Connector[];
  private settings: ChargerSettings;
  private stationInoperative = false;

  private link?: Link;
  private wantOnline = false;
  private closed = false;
  private reconnectAttempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;

  private readonly queue: Outgoing[] = [];
  private pumping = false;
  private drainWaiters: Array<() => void> = [];

  constructor(opts: SimChargerOptions) {
    super();
    if (!opts.id) throw new Error('SimCharger needs an id');
    if (opts.connectors.length === 0) throw new Error(`charger ${opts.id}: at least one connector is required`);
    const timeScale = opts.timeScale ?? 1;
    if (!(timeScale > 0)) throw new Error(`charger ${opts.id}: timeScale must be > 0, got ${timeScale}`);
    this.id = opts.id;
    this.opts = opts;
    this.timeScale = timeScale;
    this.now = opts.clock ?? (() => new Date());
    this.log = (opts.logger ?? silentLogger).child({ chargerId: opts.id });
    this.behaviour = {
      rejectRemoteStart: opts.behaviour?.rejectRemoteStart ?? false,
      ignoreRemoteStart: opts.behaviour?.ignoreRemoteStart ?? false,
      autoPlug: opts.behaviour?.autoPlug ?? true,
      unplugAfterSeconds: opts.behaviour?.unplugAfterSeconds ?? 10
    };
    this.connectors = opts.connectors.map((c, i) => {
      if (!(c.maxPowerW > 0)) throw new Error(`charger ${opts.id} connector ${i + 1}: maxPowerW must be > 0`);
      return {
        no: i + 1,
        maxPowerW: c.maxPowerW,
        plugType: c.plugType,
        status: 'Available',
        autoPlugged: false,
        registerMj: Math.round((c.initialMeterWh ?? 0) * MJ_PER_WH),
        powerW: 0,
        inoperative: false,
        tickAt: 0,
        simSinceTickMs: 0
      };
    });
    this.settings = {
      heartbeatIntervalS: 300,
      meterValueSampleIntervalS: opts.meterIntervalSeconds ?? 10,
      meterValuesSampledData: ['Energy.Active.Import.Register', 'Power.Active.Import', 'SoC'],
      stopTransactionOnInvalidId: true,
      connectionTimeOutS: 60,
      numberOfConnectors: opts.connectors.length
    };
  }

  // ───────────────────────────── observable state ─────────────────────────────

  /** Connected and registered (BootNotification Accepted). */
  get online(): boolean {
    return this.link?.booted === true;
  }

  status(connectorNo: number): ChargePointStatus {
    if (connectorNo === 0) return this.stationInoperative ? 'Unavailable' : 'Available';
    return this.connector(connectorNo).status;
  }

  transactionId(connectorNo: number): number | undefined {
    return this.connector(connectorNo).tx?.id;
  }

  /** The connector's meter register, Wh (brought up to date first). */
  meterWh(connectorNo: number): number {
    const c = this.connector(connectorNo);
    this.catchUp(c);
    return registerWh(c);
  }

  powerW(connectorNo: number): number {
    return this.connector(connectorNo).powerW;
  }

  /** Transaction messages waiting for delivery. */
  get queuedMessages(): number {
    return this.queue.length;
  }

  // ───────────────────────────── controls ─────────────────────────────

  /** Connects, boots, and resolves once the Central System has Accepted the BootNotification. */
  start(): Promise<void> {
    return this.comeOnline();
  }

  /** Drops the socket as a network failure would; charging goes on and transaction messages queue up. */
  async goOffline(): Promise<void> {
    this.wantOnline = false;
    clearTimeout(this.reconnectTimer);
    await this.dropLink(true);
  }

  /** Reconnects and boots; queued transaction messages follow the boot, in order. */
  comeOnline(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`charger ${this.id} is closed`));
    this.wantOnline = true;
    const ready = this.whenOnline();
    void this.openLink();
    return ready;
  }

  /**
   * Power-cycles the charger: the socket drops and running transactions die with the power. After
   * the new boot it sends StopTransaction with reason Reboot for each of them, as real chargers do
   * (they learn of the lost transaction from their persistent storage on start-up).
   */
  async reboot(): Promise<void> {
    const wasWanted = this.wantOnline;
    clearTimeout(this.reconnectTimer);
    await this.dropLink(true);
    for (const c of this.connectors) {
      clearTimeout(c.cableTimer);
      c.pendingIdTag = undefined;
      if (c.tx) this.stopAndFinish(c, 'Reboot');
    }
    if (wasWanted && !this.closed) await this.comeOnline();
  }

  /** A driver plugs a car into a connector. */
  plugIn(connectorNo: number, car?: Partial<CarSpec>): void {
    const c = this.connector(connectorNo);
    if (c.car) throw new Error(`charger ${this.id} connector ${connectorNo}: a car is already plugged in`);
    this.attachCar(c, { ...defaultCar, ...this.opts.car, ...car }, false);
  }

  /** A driver pulls the cable out; a running transaction ends with reason EVDisconnected. */
  unplug(connectorNo: number): void {
    const c = this.connector(connectorNo);
    if (!c.car) throw new Error(`charger ${this.id} connector ${connectorNo}: no car is plugged in`);
    clearTimeout(c.unplugTimer);
    // StopTransactionOnEVSideDisconnect is true (§9.1): losing the EV ends the transaction.
    if (c.tx) this.endTransaction(c, 'EVDisconnected');
    c.car = undefined;
    c.autoPlugged = false;
    this.setStatus(c, c.inoperative ? 'Unavailable' : 'Available');
  }

  /** The charger's own stop button: the transaction ends with reason Local. */
  pressStop(connectorNo: number): void {
    const c = this.connector(connectorNo);
    if (!c.tx) throw new Error(`charger ${this.id} connector ${connectorNo}: no transaction to stop`);
    this.stopAndFinish(c, 'Local');
  }

  /**
   * A driver presents an RFID card. Online, the charger asks the Central System (Authorize, §4.1);
   * offline it accepts the card locally (LocalAuthorizeOffline, AllowOfflineTxForUnknownId) and
   * the StartTransaction.conf decides later. Returns the status the charger acted on.
   */
  async presentIdTag(connectorNo: number, idTag: string): Promise<string> {
    const c = this.connector(connectorNo);
    if (!this.canStart(c)) throw new Error(`charger ${this.id} connector ${connectorNo}: not ready to start (${c.status})`);
    let status = 'Accepted';
    const link = this.link;
    if (link?.booted) {
      const conf = (await link.client.call('Authorize', { idTag })) as { idTagInfo: IdTagInfo };
      status = conf.idTagInfo.status;
    }
    if (status !== 'Accepted') return status;
    if (!this.canStart(c)) throw new Error(`charger ${this.id} connector ${connectorNo}: no longer ready to start (${c.status})`);
    c.pendingIdTag = idTag;
    this.proceedAuthorized(c);
    return status;
  }

  /** Stops every timer and closes the socket for good. Transactions are left as they are. */
  async close(): Promise<void> {
    this.closed = true;
    this.wantOnline = false;
    clearTimeout(this.reconnectTimer);
    for (const c of this.connectors) {
      clearTimeout(c.tickTimer);
      clearTimeout(c.unplugTimer);
      clearTimeout(c.cableTimer);
    }
    await this.dropLink(false);
    for (const w of this.drainWaiters.splice(0)) w();
  }

  // ───────────────────────────── connection ─────────────────────────────

  private whenOnline(): Promise<void> {
    if (this.online) return Promise.resolve();
    return new Promise((resolve) => this.once('online', resolve));
  }

  private async openLink(): Promise<void> {
    if (!this.wantOnline || this.closed || this.link) return;
    clearTimeout(this.reconnectTimer);
    const client = new RPCClient({
      identity: this.id,
      endpoint: this.opts.url.replace(/\/+$/, ''),
      protocols: ['ocpp1.6'],
      password: this.opts.password,
      strictMode: true,
      // The charger owns reconnection: after every reconnect it must boot again (§4.2).
      reconnect: false,
      // OCPP-J §4.1.1: one CALL in flight at a time.
      callConcurrency: 1,
      callTimeoutMs: this.opts.callTimeoutMs ?? 30_000
    } as ConstructorParameters<typeof RPCClient>[0]);
    const link: Link = { client, booted: false, abort: new AbortController() };
    this.link = link;
    this.registerHandlers(client);
    client.on('close', () => this.onLinkClosed(link));
    try {
      await client.connect();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'connection to the central system failed');
      this.emit('connection-failed', new Error(`charger ${this.id}: cannot connect to ${this.opts.url}: ${(err as Error).message}`, { cause: err }));
      this.onLinkClosed(link);
      return;
    }
    if (this.link !== link) return;
    this.reconnectAttempt = 0;
    this.log.debug('connected');
    void this.boot(link);
  }

  private onLinkClosed(link: Link): void {
    if (this.link !== link) return;
    this.link = undefined;
    link.abort.abort();
    clearInterval(this.heartbeatTimer);
    if (link.booted) {
      this.log.info('connection lost');
      this.emit('offline');
    }
    if (this.wantOnline && !this.closed) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { initial, max } = this.opts.reconnectDelayMs ?? { initial: 500, max: 30_000 };
    const base = Math.min(max, initial * 2 ** this.reconnectAttempt);
    this.reconnectAttempt++;
    const wait = Math.round(base * (0.75 + Math.random() * 0.5));
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.openLink(), wait);
  }

  /** Closes the current socket on purpose (no reconnect is scheduled for it). */
  private async dropLink(force: boolean): Promise<void> {
    const link = this.link;
    if (!link) return;
    this.link = undefined;
    link.abort.abort();
    clearInterval(this.heartbeatTimer);
    if (link.booted) this.emit('offline');
    await link.client.close(force ? { force: true } : { code: 1000, reason: 'charger closing' }).catch((err: unknown) => {
      this.log.warn({ err }, 'closing the socket failed');
    });
  }

  /** BootNotification until Accepted (§4.2); Pending or Rejected → try again after `interval`. */
  private async boot(link: Link): Promise<void> {
    while (this.link === link) {
      let conf: { status: string; interval: number; currentTime: string };
      try {
        conf = (await link.client.call('BootNotification', this.bootParams())) as typeof conf;
      } catch (err) {
        if (this.link !== link) return;
        this.log.warn({ err: (err as Error).message }, 'BootNotification failed; retrying');
        if (!(await this.pause(10_000, link))) return;
        continue;
      }
      if (this.link !== link) return;
      if (conf.status === 'Accepted') {
        link.booted = true;
        if (conf.interval > 0) this.settings = { ...this.settings, heartbeatIntervalS: conf.interval };
        this.restartHeartbeat();
        this.log.info('online');
        this.emit('online');
        // §4.9: after a (re)boot the Central System learns every connector's status, 0 included.
        for (let n = 0; n <= this.connectors.length; n++) this.sendStatus(n);
        void this.pump();
        return;
      }
      // §4.2: while not Accepted, send nothing else until the interval has passed.
      const waitS = conf.interval > 0 ? conf.interval : 10;
      this.log.info({ status: conf.status, retryInS: waitS }, 'boot not accepted');
      if (!(await this.pause(waitS * 1000, link))) return;
    }
  }

  private bootParams() {
    return {
      chargePointVendor: (this.opts.vendor ?? 'plugpay').slice(0, 20),
      chargePointModel: (this.opts.model ?? 'SimCharger').slice(0, 20),
      chargePointSerialNumber: this.id.slice(0, 25),
      firmwareVersion: (this.opts.firmware ?? '1.0.0').slice(0, 50)
    };
  }

  /** Waits real ms; false when the link went away meanwhile. */
  private async pause(ms: number, link: Link): Promise<boolean> {
    try {
      await delay(ms, undefined, { signal: link.abort.signal });
      return this.link === link;
    } catch {
      return false;
    }
  }

  private restartHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    const s = this.settings.heartbeatIntervalS;
    if (s > 0 && this.link?.booted) this.heartbeatTimer = setInterval(() => this.send('Heartbeat', {}), s * 1000);
  }

  /** A message that is not transaction-related: sent when online, otherwise not at all. */
  private send(action: string, params: object): void {
    const link = this.link;
    if (!link?.booted) return;
    link.client.call(action, params).catch((err: unknown) => {
      if (this.link === link) this.log.warn({ err: (err as Error).message, action }, 'call failed');
    });
  }

  private sendStatus(connectorNo: number): void {
    this.send('StatusNotification', {
      connectorId: connectorNo,
      status: this.status(connectorNo),
      errorCode: 'NoError',
      timestamp: this.now().toISOString()
    });
  }

  // ───────────────────────────── transaction message queue (§3.7) ─────────────────────────────

  private enqueue(item: Outgoing): void {
    this.queue.push(item);
    void this.pump();
  }

  /** Sends queued transaction messages one by one, oldest first, while online. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const link = this.link;
        if (!link?.booted) return;
        const item = this.queue[0];
        const params = this.paramsFor(item);
        if (!params) {
          this.log.error({ action: item.action, connectorNo: item.tx.connectorNo }, 'dropping a message of a transaction whose StartTransaction was lost');
          this.queue.shift();
          continue;
        }
        try {
          const conf = await link.client.call(item.action, params);
          this.queue.shift();
          this.delivered(item, conf);
        } catch (err) {
          // Lost connection: the message stays first in the queue and goes again after the next boot.
          if (this.link !== link || !link.booted) return;
          // §3.7.1: the Central System answered with an error; try a few times, then give up.
          item.attempts++;
          if (item.attempts >= TRANSACTION_MESSAGE_ATTEMPTS) {
            this.log.error({ err: (err as Error).message, action: item.action, attempts: item.attempts }, 'giving up on a transaction message');
            this.queue.shift();
            if (item.action === 'StartTransaction') item.tx.lost = true;
          } else {
            this.log.warn({ err: (err as Error).message, action: item.action, attempt: item.attempts }, 'transaction message failed; retrying');
            if (!(await this.pause(TRANSACTION_MESSAGE_RETRY_INTERVAL_S * 1000 * item.attempts, link))) return;
          }
        }
      }
    } finally {
      this.pumping = false;
      if (this.queue.length === 0) for (const w of this.drainWaiters.splice(0)) w();
      // A new boot may have happened while this run was winding down.
      else if (this.link?.booted) setImmediate(() => void this.pump());
    }
  }

  private paramsFor(item: Outgoing): object | undefined {
    if (item.action === 'StartTransaction') return item.params;
    // The transactionId of a transaction started offline is only known once its queued
    // StartTransaction is answered, which happens before this message, since the queue is in order.
    if (item.tx.id === undefined || item.tx.lost) return undefined;
    return { ...item.params, transactionId: item.tx.id };
  }

  private delivered(item: Outgoing, conf: unknown): void {
    if (item.action !== 'StartTransaction') return;
    const { transactionId, idTagInfo } = conf as { transactionId: number; idTagInfo: IdTagInfo };
    const tx = item.tx;
    tx.id = transactionId;
    this.emit('transaction-started', {
      connectorNo: tx.connectorNo,
      transactionId,
      idTag: tx.idTag,
      meterStartWh: tx.meterStartWh,
      idTagStatus: idTagInfo.status
    });
    if (idTagInfo.status === 'Accepted') return;
    const c = this.connector(tx.connectorNo);
    if (c.tx !== tx) return; // already over (e.g. stopped while offline): its StopTransaction follows
    this.log.info({ transactionId, idTagStatus: idTagInfo.status }, 'StartTransaction not accepted');
    if (this.settings.stopTransactionOnInvalidId) {
      // §9.1 StopTransactionOnInvalidId: stop at once, reason DeAuthorized (§4.8).
      this.stopAndFinish(c, 'DeAuthorized');
    } else {
      // Otherwise the transaction goes on without energy: SuspendedEVSE.
      this.catchUp(c);
      tx.suspendedByCentral = true;
      c.powerW = 0;
      this.refreshChargingStatus(c);
    }
  }

  private drained(maxMs: number): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, maxMs);
      this.drainWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  // ───────────────────────────── connectors and transactions ─────────────────────────────

  private connector(connectorNo: number): Connector {
    const c = this.connectors[connectorNo - 1];
    if (!c || !Number.isInteger(connectorNo)) throw new Error(`charger ${this.id} has no connector ${connectorNo}`);
    return c;
  }

  private setStatus(c: Connector, status: ChargePointStatus): void {
    if (c.status === status) return;
    c.status = status;
    this.emit('status', { connectorNo: c.no, status });
    this.sendStatus(c.no);
  }

  private canStart(c: Connector): boolean {
    return (
      !c.tx &&
      c.pendingIdTag === undefined &&
      !c.inoperative &&
      !this.stationInoperative &&
      (c.status === 'Available' || c.status === 'Preparing')
    );
  }

  private attachCar(c: Connector, spec: CarSpec, auto: boolean): void {
    c.car = plugInCar(spec);
    c.autoPlugged = auto;
    if (c.inoperative) return; // plugged in, but an Unavailable connector does not react
    this.setStatus(c, 'Preparing');
    if (c.pendingIdTag !== undefined) this.proceedAuthorized(c);
  }

  /** An idTag is authorised for this connector: start now, or once a car is plugged in. */
  private proceedAuthorized(c: Connector): void {
    const idTag = c.pendingIdTag;
    if (idTag === undefined) return;
    if (c.car) {
      clearTimeout(c.cableTimer);
      c.pendingIdTag = undefined;
      this.beginTransaction(c, idTag);
    } else if (this.behaviour.autoPlug) {
      this.attachCar(c, { ...defaultCar, ...this.opts.car }, true);
    } else {
      // §5.11 / §9.1 ConnectionTimeOut: wait for the cable, then give up.
      this.setStatus(c, 'Preparing');
      clearTimeout(c.cableTimer);
      c.cableTimer = setTimeout(() => {
        c.pendingIdTag = undefined;
        if (!c.car && !c.tx) this.setStatus(c, 'Available');
      }, this.realMs(this.settings.connectionTimeOutS * 1000));
    }
  }

  private beginTransaction(c: Connector, idTag: string): void {
    const tx: Tx = { connectorNo: c.no, idTag, meterStartWh: registerWh(c), startedAt: this.now() };
    c.tx = tx;
    clearTimeout(c.unplugTimer);
    this.enqueue({
      action: 'StartTransaction',
      tx,
      attempts: 0,
      params: { connectorId: c.no, idTag, meterStart: tx.meterStartWh, timestamp: tx.startedAt.toISOString() }
    });
    c.powerW = c.car ? chargePowerW(c.car, c.maxPowerW) : 0;
    c.tickAt = Date.now();
    c.simSinceTickMs = 0;
    this.refreshChargingStatus(c);
    this.scheduleTick(c);
  }

  /** Ends the transaction and queues its StopTransaction with a Transaction.End sample (§4.10). */
  private endTransaction(c: Connector, reason: StopReason): void {
    const tx = c.tx;
    if (!tx) throw new Error(`charger ${this.id} connector ${c.no}: no transaction to end`);
    this.catchUp(c);
    clearTimeout(c.tickTimer);
    const meterStopWh = registerWh(c);
    const end = this.sample(c, 'Transaction.End', ['Energy.Active.Import.Register', 'SoC']);
    this.enqueue({
      action: 'StopTransaction',
      tx,
      attempts: 0,
      params: { meterStop: meterStopWh, timestamp: end.timestamp, reason, transactionData: [end] }
    });
    c.tx = undefined;
    c.powerW = 0;
    this.log.info({ transactionId: tx.id, reason, meterStopWh }, 'transaction stopped');
    this.emit('transaction-stopped', { connectorNo: c.no, transactionId: tx.id, idTag: tx.idTag, meterStopWh, reason });
    if (c.scheduledInoperative !== undefined) {
      c.inoperative = c.scheduledInoperative;
      c.scheduledInoperative = undefined;
    }
    // Car still plugged: Finishing until the driver unplugs (§7 ChargePointStatus).
    this.setStatus(c, c.inoperative ? 'Unavailable' : c.car ? 'Finishing' : 'Available');
  }

  /** Stop with the cable still in; the simulated driver then unplugs a car the simulator plugged. */
  private stopAndFinish(c: Connector, reason: StopReason): void {
    this.endTransaction(c, reason);
    if (c.car && c.autoPlugged) {
      clearTimeout(c.unplugTimer);
      c.unplugTimer = setTimeout(() => {
        if (c.car && !c.tx) this.unplug(c.no);
      }, this.realMs(this.behaviour.unplugAfterSeconds * 1000));
    }
  }

  private refreshChargingStatus(c: Connector): void {
    if (!c.tx) return;
    if (c.tx.suspendedByCentral) this.setStatus(c, 'SuspendedEVSE');
    else if (c.powerW === 0) this.setStatus(c, 'SuspendedEV'); // the car is full and draws nothing
    else this.setStatus(c, 'Charging');
  }

  /** The physics step, and the sample interval when sampling is on (simulated ms). */
  private stepMs(): number {
    return (this.settings.meterValueSampleIntervalS > 0 ? this.settings.meterValueSampleIntervalS : 10) * 1000;
  }

  private realMs(simMs: number): number {
    return Math.max(1, Math.round(simMs / this.timeScale));
  }

  private scheduleTick(c: Connector): void {
    clearTimeout(c.tickTimer);
    if (this.closed) return;
    c.tickTimer = setTimeout(() => this.tick(c), this.realMs(this.stepMs() - c.simSinceTickMs));
  }

  private advance(c: Connector, simMs: number): void {
    if (!c.tx || !c.car || simMs <= 0) return;
    const offered = c.tx.suspendedByCentral ? 0 : c.maxPowerW;
    const r = charge(c.car, offered, simMs);
    c.car = r.car;
    c.registerMj += r.deliveredMj;
    c.powerW = r.powerW;
  }

  /** Integrates up to now within the current step, never past the step's end. */
  private catchUp(c: Connector): void {
    if (!c.tx) return;
    const target = Math.min(this.stepMs(), Math.floor((Date.now() - c.tickAt) * this.timeScale));
    if (target > c.simSinceTickMs) {
      this.advance(c, target - c.simSinceTickMs);
      c.simSinceTickMs = target;
    }
  }

  /** One step: exactly one interval of simulated time, then a Sample.Periodic reading (§4.7). */
  private tick(c: Connector): void {
    if (!c.tx) return;
    this.advance(c, this.stepMs() - c.simSinceTickMs);
    c.simSinceTickMs = 0;
    c.tickAt = Date.now();
    this.refreshChargingStatus(c);
    if (this.settings.meterValueSampleIntervalS > 0 && this.settings.meterValuesSampledData.length > 0) {
      const mv = this.sample(c, 'Sample.Periodic', this.settings.meterValuesSampledData);
      this.enqueue({ action: 'MeterValues', tx: c.tx, attempts: 0, params: { connectorId: c.no, meterValue: [mv] } });
    }
    this.emit('meter', {
      connectorNo: c.no,
      transactionId: c.tx.id,
      energyWh: registerWh(c),
      powerW: c.powerW,
      socPercent: c.car ? socPercent(c.car) : undefined
    });
    this.scheduleTick(c);
  }

  /** A meter reading with values as strings, as OCPP-J carries them (§7 SampledValue). */
  private sample(c: Connector, context: string, measurands: Measurand[]): MeterValue {
    const sampledValue: SampledValue[] = [];
    for (const measurand of measurands) {
      if (measurand === 'Energy.Active.Import.Register') {
        sampledValue.push({ value: String(registerWh(c)), context, measurand, unit: 'Wh', location: 'Outlet', format: 'Raw' });
      } else if (measurand === 'Power.Active.Import') {
        sampledValue.push({ value: String(c.powerW), context, measurand, unit: 'W', location: 'Outlet', format: 'Raw' });
      } else if (measurand === 'SoC' && c.car) {
        sampledValue.push({ value: socPercent(c.car).toFixed(1), context, measurand, unit: 'Percent', location: 'EV', format: 'Raw' });
      }
    }
    return { timestamp: this.now().toISOString(), sampledValue };
  }

  // ───────────────────────────── Central System requests (§5) ─────────────────────────────

  private registerHandlers(client: InstanceType<typeof RPCClient>): void {
    client.handle('RemoteStartTransaction', async ({ params }) => this.onRemoteStart(params as { connectorId?: number; idTag: string }));
    client.handle('RemoteStopTransaction', async ({ params }) => this.onRemoteStop((params as { transactionId: number }).transactionId));
    client.handle('ChangeConfiguration', async ({ params }) => this.onChangeConfiguration(params as { key: string; value: string }));
    client.handle('GetConfiguration', async ({ params }) => getConfiguration(this.settings, (params as { key?: string[] }).key));
    client.handle('TriggerMessage', async ({ params }) => this.onTrigger(params as { requestedMessage: string; connectorId?: number }));
    client.handle('ChangeAvailability', async ({ params }) => this.onChangeAvailability(params as { connectorId: number; type: string }));
    client.handle('Reset', async ({ params }) => this.onReset((params as { type: 'Hard' | 'Soft' }).type));
    client.handle('UnlockConnector', async ({ params }) => this.onUnlock((params as { connectorId: number }).connectorId));
  }

  /** §5.11: Accepted only for a connector that can start now; the start follows the answer. */
  private onRemoteStart({ connectorId, idTag }: { connectorId?: number; idTag: string }): { status: 'Accepted' | 'Rejected' } {
    if (this.behaviour.rejectRemoteStart) return { status: 'Rejected' };
    const c = connectorId === undefined ? this.connectors.find((x) => this.canStart(x)) : this.connectors[connectorId - 1];
    if (!c || !this.canStart(c)) return { status: 'Rejected' };
    if (this.behaviour.ignoreRemoteStart) return { status: 'Accepted' };
    c.pendingIdTag = idTag;
    // After the answer has gone out: RemoteStartTransaction.conf precedes StartTransaction.req.
    setImmediate(() => this.proceedAuthorized(c));
    return { status: 'Accepted' };
  }

  /** §5.12: Accepted when the transaction runs here; StopTransaction with reason Remote follows. */
  private onRemoteStop(transactionId: number): { status: 'Accepted' | 'Rejected' } {
    const c = this.connectors.find((x) => x.tx !== undefined && x.tx.id === transactionId);
    if (!c) return { status: 'Rejected' };
    const tx = c.tx;
    setImmediate(() => {
      if (c.tx === tx) this.stopAndFinish(c, 'Remote');
    });
    return { status: 'Accepted' };
  }

  private onChangeConfiguration({ key, value }: { key: string; value: string }) {
    const before = this.settings;
    const { status, settings } = changeConfiguration(before, key, value);
    if (status !== 'Accepted') return { status };
    // Bring running transactions up to now under the old interval before switching.
    for (const c of this.connectors) this.catchUp(c);
    this.settings = settings;
    if (key === 'HeartbeatInterval') this.restartHeartbeat();
    if (key === 'MeterValueSampleInterval') {
      for (const c of this.connectors) {
        if (!c.tx) continue;
        c.tickAt = Date.now();
        c.simSinceTickMs = 0;
        this.scheduleTick(c);
      }
    }
    this.log.info({ key, value }, 'configuration changed');
    return { status };
  }

  /** §5.17: answer first, then send the requested message. */
  private onTrigger({ requestedMessage, connectorId }: { requestedMessage: string; connectorId?: number }) {
    if (connectorId !== undefined && (connectorId < 0 || connectorId > this.connectors.length)) return { status: 'Rejected' };
    const all = connectorId === undefined;
    switch (requestedMessage) {
      case 'BootNotification':
        setImmediate(() => void this.triggeredBoot());
        return { status: 'Accepted' };
      case 'Heartbeat':
        setImmediate(() => this.send('Heartbeat', {}));
        return { status: 'Accepted' };
      case 'StatusNotification':
        setImmediate(() => {
          if (all) for (let n = 0; n <= this.connectors.length; n++) this.sendStatus(n);
          else this.sendStatus(connectorId);
        });
        return { status: 'Accepted' };
      case 'MeterValues':
        setImmediate(() => {
          const targets = all || connectorId === 0 ? this.connectors : [this.connector(connectorId)];
          for (const c of targets) {
            this.catchUp(c);
            const params: Record<string, unknown> = { connectorId: c.no, meterValue: [this.sample(c, 'Trigger', this.settings.meterValuesSampledData)] };
            if (c.tx?.id !== undefined) params.transactionId = c.tx.id;
            this.send('MeterValues', params);
          }
        });
        return { status: 'Accepted' };
      default:
        return { status: 'NotImplemented' };
    }
  }

  private async triggeredBoot(): Promise<void> {
    const link = this.link;
    if (!link?.booted) return;
    try {
      const conf = (await link.client.call('BootNotification', this.bootParams())) as { status: string; interval: number };
      if (conf.status === 'Accepted' && conf.interval > 0) {
        this.settings = { ...this.settings, heartbeatIntervalS: conf.interval };
        this.restartHeartbeat();
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'triggered BootNotification failed');
    }
  }

  /** §5.2: Scheduled when a transaction runs; the change applies when it ends. */
  private onChangeAvailability({ connectorId, type }: { connectorId: number; type: string }) {
    if (connectorId < 0 || connectorId > this.connectors.length) return { status: 'Rejected' };
    const inoperative = type === 'Inoperative';
    const targets = connectorId === 0 ? this.connectors : [this.connector(connectorId)];
    let scheduled = false;
    for (const c of targets) if (c.tx) scheduled = true;
    setImmediate(() => {
      if (connectorId === 0 && this.stationInoperative !== inoperative) {
        this.stationInoperative = inoperative;
        this.sendStatus(0);
      }
      for (const c of targets) {
        if (c.tx) {
          c.scheduledInoperative = inoperative;
          continue;
        }
        c.inoperative = inoperative;
        if (inoperative) {
          clearTimeout(c.cableTimer);
          c.pendingIdTag = undefined;
        }
        this.setStatus(c, inoperative ? 'Unavailable' : c.car ? 'Preparing' : 'Available');
      }
    });
    return { status: scheduled ? 'Scheduled' : 'Accepted' };
  }

  /** §5.14: stop transactions (reason SoftReset/HardReset), deliver the stops, restart, boot again. */
  private onReset(type: 'Hard' | 'Soft') {
    setImmediate(() => void this.reset(type));
    return { status: 'Accepted' };
  }

  private async reset(type: 'Hard' | 'Soft'): Promise<void> {
    this.log.info({ type }, 'reset');
    for (const c of this.connectors) {
      clearTimeout(c.cableTimer);
      c.pendingIdTag = undefined;
      if (c.tx) this.stopAndFinish(c, type === 'Hard' ? 'HardReset' : 'SoftReset');
    }
    await this.drained(10_000);
    await this.dropLink(false);
    if (this.wantOnline && !this.closed) void this.openLink();
  }

  /** §5.18: unlocking ends a running transaction (reason UnlockCommand). */
  private onUnlock(connectorId: number) {
    const c = this.connectors[connectorId - 1];
    if (!c) return { status: 'NotSupported' };
    if (c.tx) setImmediate(() => c.tx && this.stopAndFinish(c, 'UnlockCommand'));
    return { status: 'Unlocked' };
  }
}

function registerWh(c: Connector): number {
  return Math.floor(c.registerMj / MJ_PER_WH);
}
