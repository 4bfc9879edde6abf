/**
 * The one request core every Vipps MobilePay API module goes through: base URL, the common
 * headers, JSON in and out, bounded retries with backoff, per-attempt timeouts, token refresh on
 * 401, and mapping every failure into a {@link VippsError}.
 */
import type { z } from 'zod';
import { VippsError, describeErrorBody } from './errors.js';

export { VippsError } from './errors.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RetryOptions {
  /** Total attempts including the first one. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * The most one call waits inline, in total, for the waits Vipps asks for with `Retry-After`. A
   * wait that would go past it ends the retries: the error carries `retryAfterMs` instead, so the
   * caller (an outbox job holding a lease) retries later rather than blocking a worker (default 60 s).
   */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 4, baseDelayMs: 250, maxDelayMs: 5_000, maxRetryAfterMs: 60_000 };

/** Where the bearer token comes from; see token.ts. */
export interface TokenSource {
  get(): Promise<string>;
  /** Drops `token` if it is still the cached one (a 401 said it is no good). */
  invalidate(token: string): void;
}

export interface VippsHttpOptions {
  /**
   * Scheme and host (plus an optional path prefix, e.g. a sandbox mounted under `/vipps`), without
   * the API prefix: `https://apitest.vipps.no`, `https://api.vipps.no`, `http://127.0.0.1:4010`.
   * Each module adds its API's own prefix (`/epayment/v1`, `/qr/v1`, …; API-NOTES §1).
   */
  baseUrl: string;
  subscriptionKey: string;
  merchantSerialNumber: string;
  systemName: string;
  systemVersion: string;
  tokens?: TokenSource;
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds; used to turn a `Retry-After` date into a delay. */
  now?: () => number;
  /** [0, 1); the jitter source. */
  random?: () => number;
  retry?: Partial<RetryOptions>;
  /** Per attempt, not per call. */
  timeoutMs?: number;
}

export type ResponseKind<T> =
  | { schema: z.ZodType<T> }
  /** Body ignored (204 and friends). */
  | { none: true };

export interface RequestSpec<T> {
  /** Name used in errors and logs, e.g. `epayment.capture`. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Full path from the host, including the API prefix, already encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Validated before anything is sent; a failure is `invalid-request` and nothing goes out. */
  requestSchema?: z.ZodType;
  /**
   * Money-moving calls pass the caller's key; it is sent unchanged on every retry. It is never
   * generated here: a key invented per attempt would defeat the point (API-NOTES §5, §15).
   */
  idempotencyKey?: string;
  headers?: Record<string, string>;
  /** Send a bearer token (default true; the token call itself says false). */
  auth?: boolean;
  /** Whether a retry after an unknown outcome is harmless. Default: true for GET/PUT/DELETE and keyed calls. */
  idempotent?: boolean;
  response: ResponseKind<T>;
}

export interface VippsResponse<T> {
  status: number;
  data: T;
  headers: Headers;
}

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): either delay-seconds or an HTTP date.
 * Returns milliseconds to wait, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export class VippsHttp {
  private readonly base: string;
  private readonly fetchFn: FetchLike;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly retry: Required<RetryOptions>;
  private readonly timeoutMs: number;

  constructor(private readonly opts: VippsHttpOptions) {
    if (!/^https?:\/\//.test(opts.baseUrl)) throw new Error(`Vipps baseUrl must be an http(s) URL, got "${opts.baseUrl}"`);
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.sleep = opts.sleep ?? sleepReal;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    // Options left undefined keep their default: spreading `{ maxRetryAfterMs: undefined }` over the
    // defaults would otherwise switch the Retry-After limit off and let a worker sleep for an hour.
    const given = Object.fromEntries(Object.entries(opts.retry ?? {}).filter(([, v]) => v !== undefined));
    this.retry = { ...DEFAULT_RETRY, ...given } as Required<RetryOptions>;
    if (!Number.isInteger(this.retry.attempts) || this.retry.attempts < 1) throw new Error('retry.attempts must be an integer ≥ 1');
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  /** A copy of this core with a token source, so API calls carry `Authorization: Bearer`. */
  withTokens(tokens: TokenSource): VippsHttp {
    return new VippsHttp({ ...this.opts, tokens });
  }

  async request<T>(spec: RequestSpec<T>): Promise<VippsResponse<T>> {
    if (spec.requestSchema) {
      const checked = spec.requestSchema.safeParse(spec.body);
      if (!checked.success) {
        throw new VippsError({
          operation: spec.operation,
          code: 'invalid-request',
          detail: checked.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')
        });
      }
    }
    if (spec.idempotencyKey !== undefined && (spec.idempotencyKey.length === 0 || spec.idempotencyKey.length > 50)) {
      // ePayment: Idempotency-Key maxLength 50 (epayment-v1.yml, parameters.Idempotency-Key).
      throw new VippsError({ operation: spec.operation, code: 'invalid-request', detail: 'Idempotency-Key must be 1–50 characters' });
    }

    const url = this.url(spec);
    // Serialised once: every retry sends byte-identical content under the same key, which is what
    // ePayment checks (4010 "Capture idempotency conflict" on a different body; API-NOTES §5).
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const idempotent = spec.idempotent ?? (spec.method === 'GET' || spec.method === 'PUT' || spec.method === 'DELETE');
    const mayRetryUnknownOutcome = idempotent || spec.idempotencyKey !== undefined;
    const auth = spec.auth ?? true;
    let reauthenticated = false;
    // Time spent waiting because Vipps said so; bounded by maxRetryAfterMs across the whole call.
    let waitedForVippsMs = 0;

    for (let attempt = 1; ; attempt++) {
      const token = auth ? await this.token(spec.operation) : undefined;
      const headers = this.headers(spec, token, payload !== undefined);
      let response: RawResponse;
      try {
        response = await this.send(url, { method: spec.method, headers, body: payload });
      } catch (err) {
        const name = (err as { name?: unknown } | null)?.name;
        const timedOut = name === 'TimeoutError' || name === 'AbortError';
        const error = new VippsError({
          operation: spec.operation,
          code: timedOut ? 'timeout' : 'network-error',
          detail: timedOut ? `no answer within ${this.timeoutMs} ms` : (err as Error)?.message,
          cause: err
        });
        if (mayRetryUnknownOutcome && attempt < this.retry.attempts) {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw error;
      }

      if (response.status >= 200 && response.status < 300) {
        return { status: response.status, data: this.parse(spec, response), headers: response.headers };
      }

      const error = this.toError(spec.operation, response);
      if (response.status === 401 && auth && token !== undefined && !reauthenticated && this.opts.tokens) {
        // An expired or revoked token: fetch a fresh one and try once more (API-NOTES §2). This
        // extra try does not count against the retry budget, and happens only once per call.
        this.opts.tokens.invalidate(token);
        reauthenticated = true;
        attempt--;
        continue;
      }
      // 429 means the request was turned away unprocessed, so it is always safe to repeat; a 5xx may
      // have been half-done and is repeated only when a key or the method makes that harmless.
      const retryable = response.status === 429 || (response.status >= 500 && mayRetryUnknownOutcome);
      if (!retryable || attempt >= this.retry.attempts) throw error;
      // Vipps answers 429 with a Retry-After when a rate limit is hit (ePayment: 5/min per reference
      // for create, capture, cancel and refund; API-NOTES §4, §6 "Rate limits"). Asking again sooner
      // only meets the same limit, so a wait we will not sit through inline goes back to the caller.
      const retryAfter = error.retryAfterMs;
      if (retryAfter !== undefined) {
        if (waitedForVippsMs + retryAfter > this.retry.maxRetryAfterMs) throw error;
        waitedForVippsMs += retryAfter;
      }
      await this.sleep(retryAfter ?? this.backoff(attempt));
    }
  }

  private url(spec: RequestSpec<unknown>): string {
    const q = Object.entries(spec.query ?? {}).filter(([, v]) => v !== undefined) as [string, string | number][];
    const search = q.length === 0 ? '' : '?' + new URLSearchParams(q.map(([k, v]) => [k, String(v)])).toString();
    return `${this.base}${spec.path}${search}`;
  }

  private headers(spec: RequestSpec<unknown>, token: string | undefined, hasBody: boolean): Record<string, string> {
    const h: Record<string, string> = {
      Accept: 'application/json',
      'Ocp-Apim-Subscription-Key': this.opts.subscriptionKey,
      'Merchant-Serial-Number': this.opts.merchantSerialNumber,
      // Recommended for everyone, required for partners and plugins (KB http-headers; API-NOTES §3).
      'Vipps-System-Name': this.opts.systemName,
      'Vipps-System-Version': this.opts.systemVersion
    };
    if (hasBody) h['Content-Type'] = 'application/json';
    if (token !== undefined) h.Authorization = `Bearer ${token}`;
    if (spec.idempotencyKey !== undefined) h['Idempotency-Key'] = spec.idempotencyKey;
    return { ...h, ...spec.headers };
  }

  private async token(operation: string): Promise<string> {
    if (!this.opts.tokens) throw new VippsError({ operation, code: 'invalid-request', detail: 'no access token source configured' });
    return this.opts.tokens.get();
  }

  /** One attempt; the timeout covers the whole exchange, body included. */
  private async send(url: string, init: RequestInit): Promise<RawResponse> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const response = await this.fetchFn(url, { ...init, signal });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, capped. */
  private backoff(attempt: number): number {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exp / 2 + this.random() * (exp / 2));
  }

  private parse<T>(spec: RequestSpec<T>, response: RawResponse): T {
    if ('none' in spec.response) return undefined as T;
    const text = response.text;
    let json: unknown;
    try {
      json = text.length === 0 ? undefined : JSON.parse(text);
    } catch (cause) {
      throw new VippsError({
        operation: spec.operation,
        status: response.status,
        code: 'invalid-response',
        detail: `response is not JSON: ${text.slice(0, 200)}`,
        cause
      });
    }
    const parsed = spec.response.schema.safeParse(json);
    if (!parsed.success) {
      throw new VippsError({
        operation: spec.operation,
        status: response.status,
        code: 'invalid-response',
        detail: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        body: json,
        cause: parsed.error
      });
    }
    return parsed.data;
  }

  private toError(operation: string, response: RawResponse): VippsError {
    const text = response.text;
    let body: unknown = text;
    try {
      body = text.length === 0 ? undefined : JSON.parse(text);
    } catch {
      // Gateways answer some failures in HTML or plain text; keep the text as the detail.
    }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
    return new VippsError({ operation, status: response.status, ...describeErrorBody(body), body, retryAfterMs });
  }
}
