/**
 * A light OCPP 1.6J charge point for the chaos run, written for two things the demo simulator
 * does not offer: faults on command (refuse or ignore RemoteStart/RemoteStop, a clock hours off,
 * offline spells) and a ledger of what it really delivered, which is the ground truth the run's
 * captures are checked against.
 *
 * It keeps to the parts of OCPP 1.6 (edition 2) a central system can observe:
 * - §4.2 BootNotification after every (re)connect, nothing else before it is Accepted;
 * - §3.7 transaction messages (StartTransaction, MeterValues, StopTransaction) are queued, sent
 *   in order, and kept through disconnections, so an offline spell delivers them late;
 * - §4.8 StopTransactionOnInvalidId: a StartTransaction.conf that is not Accepted ends the
 *   transaction at once (reason DeAuthorized);
 * - §5.11/§5.12 RemoteStart/RemoteStop are answered first and acted on after the answer.
 */
import { EventEmitter } from 'node:events';
// ocpp-rpc is CommonJS: its named exports are reached through the default export.
import ocppRpc from 'ocpp-rpc';
const { RPCClient } = ocppRpc;

/** How this charger answers a remote command for one connector. */
export type CommandMode = 'accept' | 'reject' | 'ignore';

export interface ConnectorPlan {
  /** RemoteStartTransaction: start, answer Rejected, or answer Accepted and never start. */
  remoteStart: CommandMode;
  /** RemoteStopTransaction: stop, answer Rejected, or answer Accepted and keep charging. */
  remoteStop: CommandMode;
  /**
   * Power the car draws, W. Real physics only: plugpay caps energy at the connector's rated
   * power over the elapsed time, so a charger that "delivered" faster would be rightly doubted.
   */
  powerW: number;
  /**
   * The connection drops just as the transaction starts and comes back after this many ms
   * (0: it does not), so the StartTransaction reaches plugpay late, from the queue (§3.7).
   */
  offlineAtStartMs: number;
}

/** One transaction as the charger saw it: the ground truth. */
export interface DeliveredTransaction {
  connectorNo: number;
  idTag: string;
  transactionId?: number;
  /** What StartTransaction.conf said about the idTag. */
  idTagStatus?: string;
  meterStartWh: number;
  meterStopWh?: number;
  /** Real (unskewed) wall-clock ms. */
  startedAtMs: number;
  stoppedAtMs?: number;
  /** The timestamps sent, with the charger's clock skew in them. */
  startTimestamp: string;
  stopTimestamp?: string;
  stopReason?: string;
  /** The Central System answered the StopTransaction. */
  stopDelivered: boolean;
}

export interface RemoteCommandSeen {
  action: 'RemoteStartTransaction' | 'RemoteStopTransaction';
  connectorNo?: number;
  idTag?: string;
  transactionId?: number;
  answer: 'Accepted' | 'Rejected';
  /** what the charger then did: started/stopped, or nothing */
  acted: boolean;
  atMs: number;
}

export interface ChaosChargerOptions {
  id: string;
  password: string;
  /** ws://127.0.0.1:port/ocpp; the id is appended */
  url: string;
  connectors: number;
  /** The charger's clock is this far off (ms, + ahead, − behind). */
  clockSkewMs: number;
  callTimeoutMs?: number;
  log?: (line: string) => void;
}

type SampledValue = { value: string; context: string; measurand: string; unit: string; location: string; format: 'Raw' };
type MeterValue = { timestamp: string; sampledValue: SampledValue[] };

interface Tx {
  record: DeliveredTransaction;
}

type Outgoing =
  | { action: 'StartTransaction'; tx: Tx; params: Record<string, unknown>; attempts: number }
  | { action: 'MeterValues'; tx: Tx; params: Record<string, unknown>; attempts: number }
  | { action: 'StopTransaction'; tx: Tx; params: Record<string, unknown>; attempts: number };

interface Connector {
  no: number;
  status: 'Available' | 'Preparing' | 'Charging' | 'Finishing';
  plan: ConnectorPlan;
  registerWh: number;
  /** fractional Wh not yet on the integer register */
  carryWh: number;
  tx?: Tx;
  tick?: NodeJS.Timeout;
  lastTickMs: number;
}

type Client = InstanceType<typeof RPCClient>;

/** Attempts for a transaction message the Central System answers with an error (§3.7.1). */
const MESSAGE_ATTEMPTS = 8;

export class ChaosCharger extends EventEmitter {
  readonly id: string;
  readonly transactions: DeliveredTransaction[] = [];
  readonly commands: RemoteCommandSeen[] = [];
  /** How many times the connection dropped just as a transaction started. */
  offlineAtStart = 0;
  /** Transaction messages given up after MESSAGE_ATTEMPTS errors: each is a finding. */
  readonly dropped: Array<{ action: string; connectorNo: number; error: string }> = [];
  private readonly connectors: Connector[];
  private client?: Client;
  private booted = false;
  private wantOnline = false;
  private closed = false;
  private reconnectAttempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private sampleIntervalS = 10;
  private readonly queue: Outgoing[] = [];
  private pumping = false;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: ChaosChargerOptions) {
    super();
    this.id = opts.id;
    this.log = opts.log ?? (() => undefined);
    this.connectors = Array.from({ length: opts.connectors }, (_, i) => ({
      no: i + 1,
      status: 'Available' as const,
      plan: { remoteStart: 'accept', remoteStop: 'accept', powerW: 11_000, offlineAtStartMs: 0 },
      registerWh: 1000 * (i + 1) * 7, // a used meter: transactions do not start at 0
      carryWh: 0,
      lastTickMs: 0
    }));
  }

  // ───────────── observable ─────────────

  get online(): boolean {
    return this.booted;
  }

  get queuedMessages(): number {
    return this.queue.length;
  }

  activeTransaction(connectorNo: number): DeliveredTransaction | undefined {
    return this.connector(connectorNo).tx?.record;
  }

  setPlan(connectorNo: number, plan: ConnectorPlan): void {
    this.connector(connectorNo).plan = plan;
  }

  // ───────────── controls ─────────────

  /** Connects and resolves once BootNotification is Accepted (or after `timeoutMs`, rejecting). */
  async start(timeoutMs = 60_000): Promise<void> {
    this.wantOnline = true;
    void this.connect();
    await this.whenOnline(timeoutMs);
  }

  whenOnline(timeoutMs: number): Promise<void> {
    if (this.booted) return Promise.resolve();
    return new Promise((ok, fail) => {
      const t = setTimeout(() => {
        this.off('online', on);
        fail(new Error(`charger ${this.id} did not come online within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = () => {
        clearTimeout(t);
        ok();
      };
      this.once('online', on);
    });
  }

  /** A network failure: the socket drops; charging goes on and transaction messages queue up. */
  async goOffline(): Promise<void> {
    this.wantOnline = false;
    clearTimeout(this.reconnectTimer);
    const c = this.client;
    this.dropLink();
    await c?.close({ force: true }).catch(() => undefined);
  }

  comeOnline(): void {
    if (this.closed || this.wantOnline) return;
    this.wantOnline = true;
    void this.connect();
  }

  /** The charger's own stop button (reason Local). */
  pressStop(connectorNo: number): boolean {
    const c = this.connector(connectorNo);
    if (!c.tx) return false;
    this.endTransaction(c, 'Local');
    return true;
  }

  /** The driver pulls the cable: a running transaction ends with EVDisconnected. */
  unplug(connectorNo: number): boolean {
    const c = this.connector(connectorNo);
    if (!c.tx) return false;
    this.endTransaction(c, 'EVDisconnected');
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wantOnline = false;
    clearTimeout(this.reconnectTimer);
    for (const c of this.connectors) clearInterval(c.tick);
    const client = this.client;
    this.dropLink();
    await client?.close({ force: true }).catch(() => undefined);
  }

  // ───────────── connection ─────────────

  private async connect(): Promise<void> {
    if (!this.wantOnline || this.closed || this.client) return;
    const client = new RPCClient({
      identity: this.id,
      endpoint: this.opts.url.replace(/\/+$/, ''),
      protocols: ['ocpp1.6'],
      password: this.opts.password,
      strictMode: true,
      reconnect: false,
      callConcurrency: 1,
      callTimeoutMs: this.opts.callTimeoutMs ?? 30_000
    } as ConstructorParameters<typeof RPCClient>[0]);
    this.client = client;
    this.registerHandlers(client);
    client.on('close', () => {
      if (this.client !== client) return;
      this.dropLink();
      this.scheduleReconnect();
    });
    try {
      await client.connect();
    } catch {
      if (this.client === client) {
        this.dropLink();
        this.scheduleReconnect();
      }
      return;
    }
    if (this.client !== client) return;
    this.reconnectAttempt = 0;
    void this.boot(client);
  }

  private dropLink(): void {
    const was = this.booted;
    this.client = undefined;
    this.booted = false;
    clearInterval(this.heartbeat);
    if (was) this.emit('offline');
  }

  private scheduleReconnect(): void {
    if (!this.wantOnline || this.closed) return;
    const wait = Math.min(3_000, 200 * 2 ** this.reconnectAttempt++);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), wait);
  }

  private async boot(client: Client): Promise<void> {
    while (this.client === client) {
      try {
        const conf = (await client.call('BootNotification', { chargePointVendor: 'chaos', chargePointModel: 'ChaosCharger', chargePointSerialNumber: this.id.slice(0, 25) })) as {
          status: string;
          interval: number;
        };
        if (this.client !== client) return;
        if (conf.status === 'Accepted') {
          this.booted = true;
          clearInterval(this.heartbeat);
          const hb = conf.interval > 0 ? conf.interval : 300;
          this.heartbeat = setInterval(() => this.send('Heartbeat', {}), hb * 1000);
          this.emit('online');
          for (let n = 0; n <= this.connectors.length; n++) this.sendStatus(n);
          void this.pump();
          return;
        }
        await new Promise((r) => setTimeout(r, Math.max(1, conf.interval || 5) * 1000));
      } catch {
        if (this.client !== client) return;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  private now(): string {
    return new Date(Date.now() + this.opts.clockSkewMs).toISOString();
  }

  /** Not transaction-related: sent when online, else not at all (§3.7 applies to transactions only). */
  private send(action: string, params: object): void {
    const client = this.client;
    if (!client || !this.booted) return;
    client.call(action, params).catch(() => undefined);
  }

  private sendStatus(n: number): void {
    const status = n === 0 ? 'Available' : this.connectors[n - 1].status;
    this.send('StatusNotification', { connectorId: n, status, errorCode: 'NoError', timestamp: this.now() });
  }

  private setStatus(c: Connector, status: Connector['status']): void {
    if (c.status === status) return;
    c.status = status;
    this.sendStatus(c.no);
  }

  // ───────────── the transaction message queue (§3.7) ─────────────

  private enqueue(item: Outgoing): void {
    this.queue.push(item);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const client = this.client;
        if (!client || !this.booted) return;
        const item = this.queue[0];
        const record = item.tx.record;
        if (item.action !== 'StartTransaction' && record.transactionId === undefined) {
          // Its StartTransaction was given up: nothing can carry this transaction any more.
          this.dropped.push({ action: item.action, connectorNo: record.connectorNo, error: 'no transactionId (StartTransaction was dropped)' });
          this.queue.shift();
          continue;
        }
        const params = item.action === 'StartTransaction' ? item.params : { ...item.params, transactionId: record.transactionId };
        try {
          const conf = await client.call(item.action, params);
          this.queue.shift();
          this.delivered(item, conf as Record<string, unknown>);
        } catch (err) {
          // The connection went: the message stays first and goes again after the next boot.
          if (this.client !== client || !this.booted) return;
          item.attempts++;
          this.log(`${this.id}: ${item.action} failed (${(err as Error).message}), attempt ${item.attempts}`);
          if (item.attempts >= MESSAGE_ATTEMPTS) {
            this.queue.shift();
            this.dropped.push({ action: item.action, connectorNo: record.connectorNo, error: (err as Error).message });
          } else {
            await new Promise((r) => setTimeout(r, 1_000 * item.attempts));
          }
        }
      }
    } finally {
      this.pumping = false;
      if (this.queue.length > 0 && this.booted) setImmediate(() => void this.pump());
    }
  }

  private delivered(item: Outgoing, conf: Record<string, unknown>): void {
    const record = item.tx.record;
    if (item.action === 'StopTransaction') {
      record.stopDelivered = true;
      return;
    }
    if (item.action !== 'StartTransaction') return;
    record.transactionId = conf.transactionId as number;
    record.idTagStatus = (conf.idTagInfo as { status: string }).status;
    this.emit('transaction-started', record);
    if (record.idTagStatus === 'Accepted') return;
    const c = this.connector(record.connectorNo);
    // §4.8 / §9.1 StopTransactionOnInvalidId = true: stop at once.
    if (c.tx === item.tx) this.endTransaction(c, 'DeAuthorized');
  }

  // ───────────── energy and transactions ─────────────

  private connector(n: number): Connector {
    const c = this.connectors[n - 1];
    if (!c) throw new Error(`charger ${this.id} has no connector ${n}`);
    return c;
  }

  /** Brings the register up to now at the plan's power. */
  private integrate(c: Connector): void {
    const now = Date.now();
    const wh = (c.plan.powerW * ((now - c.lastTickMs) / 1000)) / 3600 + c.carryWh;
    c.lastTickMs = now;
    const whole = Math.floor(wh);
    c.registerWh += whole;
    c.carryWh = wh - whole;
  }

  private sample(c: Connector, context: string): MeterValue {
    return {
      timestamp: this.now(),
      sampledValue: [
        { value: String(c.registerWh), context, measurand: 'Energy.Active.Import.Register', unit: 'Wh', location: 'Outlet', format: 'Raw' },
        { value: String(c.tx ? c.plan.powerW : 0), context, measurand: 'Power.Active.Import', unit: 'W', location: 'Outlet', format: 'Raw' }
      ]
    };
  }

  private beginTransaction(c: Connector, idTag: string): void {
    const startedAtMs = Date.now();
    const record: DeliveredTransaction = {
      connectorNo: c.no,
      idTag,
      meterStartWh: c.registerWh,
      startedAtMs,
      startTimestamp: new Date(startedAtMs + this.opts.clockSkewMs).toISOString(),
      stopDelivered: false
    };
    const tx: Tx = { record };
    c.tx = tx;
    c.carryWh = 0;
    c.lastTickMs = startedAtMs;
    this.transactions.push(record);
    this.setStatus(c, 'Charging');
    this.enqueue({ action: 'StartTransaction', tx, attempts: 0, params: { connectorId: c.no, idTag, meterStart: record.meterStartWh, timestamp: record.startTimestamp } });
    this.restartTick(c);
  }

  private restartTick(c: Connector): void {
    clearInterval(c.tick);
    if (!c.tx) return;
    c.tick = setInterval(() => {
      if (!c.tx) return;
      this.integrate(c);
      this.enqueue({ action: 'MeterValues', tx: c.tx, attempts: 0, params: { connectorId: c.no, meterValue: [this.sample(c, 'Sample.Periodic')] } });
    }, this.sampleIntervalS * 1000);
  }

  private endTransaction(c: Connector, reason: string): void {
    const tx = c.tx;
    if (!tx) return;
    this.integrate(c);
    clearInterval(c.tick);
    const stoppedAtMs = c.lastTickMs;
    const record = tx.record;
    record.meterStopWh = c.registerWh;
    record.stoppedAtMs = stoppedAtMs;
    record.stopTimestamp = new Date(stoppedAtMs + this.opts.clockSkewMs).toISOString();
    record.stopReason = reason;
    c.tx = undefined;
    const end = this.sample(c, 'Transaction.End');
    end.timestamp = record.stopTimestamp;
    this.enqueue({
      action: 'StopTransaction',
      tx,
      attempts: 0,
      params: { meterStop: record.meterStopWh, timestamp: record.stopTimestamp, reason, idTag: record.idTag, transactionData: [end] }
    });
    this.emit('transaction-stopped', record);
    this.setStatus(c, 'Finishing');
    // The driver unplugs a moment later.
    setTimeout(() => {
      if (!c.tx) this.setStatus(c, 'Available');
    }, 1_000).unref();
  }

  // ───────────── Central System requests ─────────────

  private registerHandlers(client: Client): void {
    client.handle('RemoteStartTransaction', async ({ params }) => this.onRemoteStart(params as { connectorId?: number; idTag: string }));
    client.handle('RemoteStopTransaction', async ({ params }) => this.onRemoteStop((params as { transactionId: number }).transactionId));
    client.handle('ChangeConfiguration', async ({ params }) => this.onChangeConfiguration(params as { key: string; value: string }));
    client.handle('GetConfiguration', async () => ({
      configurationKey: [
        { key: 'MeterValueSampleInterval', readonly: false, value: String(this.sampleIntervalS) },
        { key: 'NumberOfConnectors', readonly: true, value: String(this.connectors.length) }
      ]
    }));
    client.handle('TriggerMessage', async ({ params }) => this.onTrigger(params as { requestedMessage: string; connectorId?: number }));
    client.handle('ChangeAvailability', async () => ({ status: 'Accepted' }));
    client.handle('Reset', async () => ({ status: 'Rejected' }));
    client.handle('UnlockConnector', async ({ params }) => {
      const n = (params as { connectorId: number }).connectorId;
      const c = this.connectors[n - 1];
      if (!c) return { status: 'NotSupported' };
      if (c.tx) setImmediate(() => this.endTransaction(c, 'UnlockCommand'));
      return { status: 'Unlocked' };
    });
  }

  private onRemoteStart({ connectorId, idTag }: { connectorId?: number; idTag: string }): { status: 'Accepted' | 'Rejected' } {
    const c = connectorId === undefined ? undefined : this.connectors[connectorId - 1];
    const seen: RemoteCommandSeen = { action: 'RemoteStartTransaction', connectorNo: connectorId, idTag, answer: 'Rejected', acted: false, atMs: Date.now() };
    this.commands.push(seen);
    if (!c || c.tx || c.plan.remoteStart === 'reject') {
      this.emit('command', seen);
      return { status: 'Rejected' };
    }
    seen.answer = 'Accepted';
    if (c.plan.remoteStart === 'accept') {
      seen.acted = true;
      c.status = 'Preparing';
      // After the answer: RemoteStartTransaction.conf precedes StartTransaction.req (§5.11).
      setImmediate(() => {
        if (c.tx) return;
        const away = c.plan.offlineAtStartMs;
        if (away > 0 && this.booted) {
          // Drop first (synchronously), so the StartTransaction waits in the queue.
          this.offlineAtStart++;
          void this.goOffline().then(() => setTimeout(() => this.comeOnline(), away));
        }
        this.beginTransaction(c, idTag);
      });
    }
    this.emit('command', seen);
    return { status: 'Accepted' };
  }

  private onRemoteStop(transactionId: number): { status: 'Accepted' | 'Rejected' } {
    const c = this.connectors.find((x) => x.tx?.record.transactionId === transactionId);
    const seen: RemoteCommandSeen = { action: 'RemoteStopTransaction', connectorNo: c?.no, transactionId, answer: 'Rejected', acted: false, atMs: Date.now() };
    this.commands.push(seen);
    if (!c || c.plan.remoteStop === 'reject') {
      this.emit('command', seen);
      return { status: 'Rejected' };
    }
    seen.answer = 'Accepted';
    if (c.plan.remoteStop === 'accept') {
      seen.acted = true;
      const tx = c.tx;
      setImmediate(() => {
        if (c.tx === tx) this.endTransaction(c, 'Remote');
      });
    }
    this.emit('command', seen);
    return { status: 'Accepted' };
  }

  private onChangeConfiguration({ key, value }: { key: string; value: string }): { status: string } {
    if (key === 'MeterValueSampleInterval') {
      const s = Number(value);
      if (!Number.isFinite(s) || s < 1) return { status: 'Rejected' };
      for (const c of this.connectors) if (c.tx) this.integrate(c);
      this.sampleIntervalS = s;
      for (const c of this.connectors) this.restartTick(c);
    }
    return { status: 'Accepted' };
  }

  private onTrigger({ requestedMessage, connectorId }: { requestedMessage: string; connectorId?: number }): { status: string } {
    switch (requestedMessage) {
      case 'StatusNotification':
        setImmediate(() => {
          if (connectorId === undefined) for (let n = 0; n <= this.connectors.length; n++) this.sendStatus(n);
          else this.sendStatus(connectorId);
        });
        return { status: 'Accepted' };
      case 'Heartbeat':
        setImmediate(() => this.send('Heartbeat', {}));
        return { status: 'Accepted' };
      case 'MeterValues':
        setImmediate(() => {
          const targets = connectorId ? [this.connector(connectorId)] : this.connectors;
          for (const c of targets) {
            if (c.tx) this.integrate(c);
            const params: Record<string, unknown> = { connectorId: c.no, meterValue: [this.sample(c, 'Trigger')] };
            if (c.tx?.record.transactionId !== undefined) params.transactionId = c.tx.record.transactionId;
            this.send('MeterValues', params);
          }
        });
        return { status: 'Accepted' };
      default:
        return { status: 'NotImplemented' };
    }
  }
}
