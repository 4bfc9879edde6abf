/**
 * A bare OCPP 1.6J charge point for load generation: one raw `ws` socket, OCPP-J frames written
 * by hand, no schema validation and no library state machine, so that thousands of them cost
 * little in the generating process. It says only what a real charger must say for one
 * transaction: BootNotification, StatusNotification, StartTransaction, MeterValues,
 * StopTransaction; and it accepts what a central system asks of it (RemoteStart/Stop,
 * ChangeConfiguration, TriggerMessage).
 *
 * Frames (OCPP-J 1.6 §4.2): CALL `[2, id, action, payload]`, CALLRESULT `[3, id, payload]`,
 * CALLERROR `[4, id, code, description, details]`.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';

export interface BareChargerOptions {
  /** ws://host:port/ocpp — the charge point id is appended (OCPP-J 1.6 §3.1.1). */
  url: string;
  id: string;
  /** Basic-auth password (security profile 1); the user name is the id. */
  password: string;
  /** How long a CALL may wait for its answer. */
  callTimeoutMs?: number;
}

export class OcppCallError extends Error {
  constructor(readonly action: string, readonly code: string, description: string) {
    super(`${action} answered ${code}: ${description}`);
    this.name = 'OcppCallError';
  }
}

type Pending = { action: string; resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/**
 * Events: `remoteStart` (idTag, connectorId), `remoteStop` (transactionId), `close` (code).
 *
 * @example
 * const cp = new BareCharger({ url: 'ws://127.0.0.1:3000/ocpp', id: 'CP-1', password: 'secret-secret' });
 * await cp.connect();
 * await cp.boot();
 */
export class BareCharger extends EventEmitter {
  private ws?: WebSocket;
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly callTimeoutMs: number;
  /** Latest StatusNotification status per connector, repeated when the central system triggers it. */
  private readonly statuses = new Map<number, string>();

  constructor(private readonly opts: BareChargerOptions) {
    super();
    this.callTimeoutMs = opts.callTimeoutMs ?? 30_000;
  }

  get id(): string {
    return this.opts.id;
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect(): Promise<void> {
    const auth = Buffer.from(`${this.opts.id}:${this.opts.password}`).toString('base64');
    const ws = new WebSocket(`${this.opts.url}/${encodeURIComponent(this.opts.id)}`, ['ocpp1.6'], {
      headers: { authorization: `Basic ${auth}` },
      // Chargers rarely negotiate compression, and it would cost the generator CPU per frame.
      perMessageDeflate: false,
      handshakeTimeout: 60_000
    });
    this.ws = ws;
    ws.on('message', (data) => this.onFrame(String(data)));
    ws.on('close', (code) => {
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`${this.opts.id}: socket closed (${code}) before ${p.action} was answered`));
      }
      this.pending.clear();
      this.emit('close', code);
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        ws.removeListener('error', reject);
        ws.on('error', () => undefined); // a close follows; pending calls fail there
        resolve();
      });
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`${this.opts.id}: upgrade refused with HTTP ${res.statusCode}`)));
    });
  }

  close(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      ws.terminate();
    });
  }

  /** Sends a CALL and resolves with the CALLRESULT payload; a CALLERROR rejects with OcppCallError. */
  call<T = Record<string, unknown>>(action: string, payload: unknown): Promise<T> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error(`${this.opts.id}: not connected`));
    const id = String(this.nextId++);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.opts.id}: ${action} not answered within ${this.callTimeoutMs} ms`));
      }, this.callTimeoutMs);
      this.pending.set(id, { action, resolve: resolve as (v: unknown) => void, reject, timer });
      ws.send(JSON.stringify([2, id, action, payload]));
    });
  }

  async boot(): Promise<void> {
    const conf = await this.call<{ status: string }>('BootNotification', { chargePointVendor: 'plugpay-bench', chargePointModel: 'bare' });
    if (conf.status !== 'Accepted') throw new Error(`${this.opts.id}: BootNotification ${conf.status}`);
  }

  async status(connectorId: number, status: string): Promise<void> {
    this.statuses.set(connectorId, status);
    await this.call('StatusNotification', { connectorId, errorCode: 'NoError', status, timestamp: new Date().toISOString() });
  }

  async startTransaction(connectorId: number, idTag: string, meterStartWh: number): Promise<number> {
    const conf = await this.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', {
      connectorId,
      idTag,
      meterStart: meterStartWh,
      timestamp: new Date().toISOString()
    });
    if (conf.idTagInfo?.status !== 'Accepted') throw new Error(`${this.opts.id}: StartTransaction ${conf.idTagInfo?.status}`);
    return conf.transactionId;
  }

  /** One sample with the two measurands plugpay bills and shows (§7.31 SampledValue). */
  meterValues(connectorId: number, transactionId: number, energyWh: number, powerW: number): Promise<unknown> {
    return this.call('MeterValues', {
      connectorId,
      transactionId,
      meterValue: [
        {
          timestamp: new Date().toISOString(),
          sampledValue: [
            { value: String(energyWh), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            { value: String(powerW), context: 'Sample.Periodic', measurand: 'Power.Active.Import', unit: 'W' }
          ]
        }
      ]
    });
  }

  stopTransaction(transactionId: number, meterStopWh: number, reason: string): Promise<unknown> {
    return this.call('StopTransaction', { transactionId, meterStop: meterStopWh, timestamp: new Date().toISOString(), reason });
  }

  private onFrame(text: string): void {
    let frame: unknown[];
    try {
      frame = JSON.parse(text) as unknown[];
    } catch {
      return;
    }
    const [type, id] = frame as [number, string];
    if (type === 3 || type === 4) {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      clearTimeout(p.timer);
      if (type === 3) p.resolve(frame[2]);
      else p.reject(new OcppCallError(p.action, String(frame[2]), String(frame[3])));
      return;
    }
    if (type === 2) this.onCall(id, String(frame[2]), (frame[3] ?? {}) as Record<string, unknown>);
  }

  private reply(id: string, payload: unknown): void {
    this.ws?.send(JSON.stringify([3, id, payload]));
  }

  /** What the central system asks: accepted, then acted on after the answer has gone out. */
  private onCall(id: string, action: string, payload: Record<string, unknown>): void {
    switch (action) {
      case 'RemoteStartTransaction':
        this.reply(id, { status: 'Accepted' });
        this.emit('remoteStart', String(payload.idTag), Number(payload.connectorId ?? 1));
        return;
      case 'RemoteStopTransaction':
        this.reply(id, { status: 'Accepted' });
        this.emit('remoteStop', Number(payload.transactionId));
        return;
      case 'ChangeConfiguration':
        this.reply(id, { status: 'Accepted' });
        return;
      case 'TriggerMessage':
        this.reply(id, { status: 'Accepted' });
        if (payload.requestedMessage === 'StatusNotification') {
          const only = typeof payload.connectorId === 'number' ? [payload.connectorId] : [...this.statuses.keys()];
          for (const c of only) {
            const s = this.statuses.get(c);
            if (s) this.status(c, s).catch(() => undefined);
          }
        }
        return;
      default:
        // §4.2.3: an action this charger does not implement.
        this.ws?.send(JSON.stringify([4, id, 'NotImplemented', `${action} is not implemented by the bench charger`, {}]));
    }
  }
}
