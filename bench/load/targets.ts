/**
 * What the load generator drives: plugpay through its public interfaces (HTTP API, the
 * sandbox's test API, OCPP, Socket.IO), or the bare relay through the same sockets. Both open a
 * session the way their server needs, and leave the charger in a running transaction with the
 * phone in the room that shows it.
 */
import { once } from 'node:events';
import { SANDBOX } from './sandbox-credentials.js';
import type { BareCharger } from './ocpp-charger.js';
import type { Phone } from './phone.js';

export interface OpenSession {
  transactionId: number;
  /** plugpay's session id and capability token (absent on the relay). */
  sessionId?: string;
  token?: string;
}

export interface LoadTarget {
  name: string;
  /** ws://…/ocpp (the charge point id is appended). */
  ocppUrl: string;
  /** Where phones connect (Socket.IO at /socket.io). */
  socketUrl: string;
  chargerPassword: string;
  /** Makes the chargers known to the server (plugpay: registration, a scrypt hash each). */
  register(ids: string[]): Promise<void>;
  /** Reserves, approves and starts a transaction on a booted charger; the phone watches it. */
  openSession(charger: BareCharger, phone: Phone): Promise<OpenSession>;
  /** Seconds per step of openSession, summed (optional). */
  readonly stepSeconds?: Record<string, number>;
}

/** Runs `fn` over `items`, at most `concurrency` at a time. */
export async function inPool<T>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    })
  );
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t!: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}

/** Where the operator registers chargers from (one device; see Phone for why addresses are set). */
const OPERATOR_ADDRESS = '10.255.255.254';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class HttpProblem extends Error {
  constructor(readonly status: number, what: string, body: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
    this.name = 'HttpProblem';
  }
}

/**
 * Sends a JSON request; retries 429/503 (a rate limit or a busy start) after Retry-After or a
 * short backoff, a bounded number of times.
 */
async function request<T>(url: string, init: RequestInit & { json?: unknown }, what: string, retryStatuses: number[] = [429, 503]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const r = await fetch(url, {
      ...init,
      headers: { ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) },
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      signal: AbortSignal.timeout(60_000)
    });
    const text = await r.text();
    if (r.ok) return (text ? JSON.parse(text) : undefined) as T;
    if (retryStatuses.includes(r.status) && attempt < 20) {
      const after = Number(r.headers.get('retry-after'));
      await sleep(after > 0 ? Math.min(after * 1000, 5000) : 100 * (attempt + 1));
      continue;
    }
    throw new HttpProblem(r.status, what, text);
  }
}

/** plugpay pointed at a sandbox of its own: the admin API registers, the sandbox's force-approve stands in for the driver's app. */
export class PlugpayTarget implements LoadTarget {
  readonly name = 'plugpay';
  readonly ocppUrl: string;
  readonly socketUrl: string;
  readonly chargerPassword = 'bench-charger-password';
  private accessToken?: Promise<string>;
  private registered = 0;
  /** Seconds spent in each step of opening sessions, summed over sessions (where the ramp goes). */
  readonly stepSeconds = { reserve: 0, join: 0, approve: 0, remoteStart: 0, start: 0 };

  /** `stationIds`: chargers are spread over these in turn (they must exist; see plugpay-process.ts). */
  constructor(private readonly opts: { url: string; sandboxUrl: string; operatorToken: string; stationIds: string[]; amountOre?: number }) {
    this.ocppUrl = `${opts.url.replace(/^http/, 'ws')}/ocpp`;
    this.socketUrl = opts.url;
  }

  async register(ids: string[]): Promise<void> {
    await inPool(ids, 8, async (id) => {
      const stationId = this.opts.stationIds[this.registered++ % this.opts.stationIds.length];
      await request(
        `${this.opts.url}/api/admin/chargers`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${this.opts.operatorToken}`, 'x-forwarded-for': OPERATOR_ADDRESS },
          json: { id, password: this.chargerPassword, connectors: 1, stationId, plugType: 'CCS', maxPowerW: 50000 }
        },
        `register ${id}`
      );
    });
  }

  async openSession(charger: BareCharger, phone: Phone): Promise<OpenSession> {
    const connectorId = `${charger.id}-1`;
    const steps = this.stepSeconds;
    let t = performance.now();
    const lap = (step: keyof typeof steps) => {
      const now = performance.now();
      steps[step] += (now - t) / 1000;
      t = now;
    };
    // The connector becomes available once plugpay has taken the charger's StatusNotification;
    // a 409 right after boot means "not yet".
    const session = await request<{ sessionId: string; token: string }>(
      `${this.opts.url}/api/sessions`,
      { method: 'POST', headers: { 'x-forwarded-for': phone.device }, json: { connectorId, amountOre: this.opts.amountOre ?? 100_000 } },
      `reserve on ${connectorId}`,
      [409, 429, 503]
    );
    lap('reserve');
    await phone.join('session:join', { sessionId: session.sessionId, token: session.token });
    lap('join');
    const remoteStart = once(charger, 'remoteStart') as Promise<[string, number]>;
    await this.forceApprove(`plugpay-${session.sessionId}`);
    lap('approve');
    const [idTag] = await withTimeout(remoteStart, 60_000, `RemoteStartTransaction on ${charger.id}`);
    lap('remoteStart');
    await charger.status(1, 'Preparing');
    const transactionId = await charger.startTransaction(1, idTag, 0);
    await charger.status(1, 'Charging');
    lap('start');
    return { transactionId, sessionId: session.sessionId, token: session.token };
  }

  /** Asks plugpay to stop, as the driver's stop button does (POST /api/sessions/:id/stop). */
  async stop(s: OpenSession, phone: Phone): Promise<void> {
    await request(
      `${this.opts.url}/api/sessions/${s.sessionId}/stop`,
      { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'x-forwarded-for': phone.device } },
      `stop ${s.sessionId}`
    );
  }

  /** The test-only approve of the ePayment API (the sandbox implements Vipps's `/epayment/v1/test/...`). */
  private async forceApprove(reference: string): Promise<void> {
    const token = await (this.accessToken ??= this.fetchAccessToken());
    await request(
      `${this.opts.sandboxUrl}/epayment/v1/test/payments/${reference}/approve`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'ocp-apim-subscription-key': SANDBOX.subscriptionKey,
          'merchant-serial-number': SANDBOX.merchantSerialNumber
        },
        json: {}
      },
      `approve ${reference}`
    );
  }

  private async fetchAccessToken(): Promise<string> {
    const r = await request<{ access_token: string }>(
      `${this.opts.sandboxUrl}/accesstoken/get`,
      {
        method: 'POST',
        headers: {
          client_id: SANDBOX.clientId,
          client_secret: SANDBOX.clientSecret,
          'ocp-apim-subscription-key': SANDBOX.subscriptionKey,
          'merchant-serial-number': SANDBOX.merchantSerialNumber
        }
      },
      'sandbox access token'
    );
    return r.access_token;
  }
}

/** The bare relay: nothing to register or pay; the phone joins the charger's room. */
export class RelayTarget implements LoadTarget {
  readonly name = 'bare relay';
  readonly ocppUrl: string;
  readonly socketUrl: string;
  readonly chargerPassword = 'bench-charger-password';

  constructor(url: string) {
    this.ocppUrl = `${url.replace(/^http/, 'ws')}/ocpp`;
    this.socketUrl = url;
  }

  async register(): Promise<void> {}

  async openSession(charger: BareCharger, phone: Phone): Promise<OpenSession> {
    await phone.join('relay:join', { chargerId: charger.id });
    await charger.status(1, 'Preparing');
    const transactionId = await charger.startTransaction(1, 'BENCH', 0);
    await charger.status(1, 'Charging');
    return { transactionId };
  }
}
