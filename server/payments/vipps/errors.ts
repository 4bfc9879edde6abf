/**
 * One error type for everything that goes wrong talking to Vipps MobilePay: HTTP errors in each
 * API's own shape, network failures, timeouts, bad requests caught before sending, and responses
 * that do not match the documented schema.
 */

/** Codes this client sets itself when Vipps did not send one. */
export type LocalErrorCode = 'network-error' | 'timeout' | 'invalid-request' | 'invalid-response';

export interface VippsErrorInit {
  operation: string;
  status?: number;
  /** Vipps' own error code ("6090", "1000", "invalid_client") or one of {@link LocalErrorCode}. */
  code?: string;
  traceId?: string;
  title?: string;
  detail?: string;
  /** Raw parsed body of an error response, for logging where the error is handled. */
  body?: unknown;
  /**
   * How long Vipps asked us to wait before trying again (its `Retry-After`, RFC 9110 §10.2.3), when
   * the answer carried one. A caller that retries later (an outbox job) must not retry sooner.
   */
  retryAfterMs?: number;
  cause?: unknown;
}

export class VippsError extends Error {
  readonly operation: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly traceId: string | undefined;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly body: unknown;
  readonly retryAfterMs: number | undefined;

  constructor(init: VippsErrorInit) {
    const head = [init.operation, init.status, init.code].filter((p) => p !== undefined).join(' ');
    const tail = init.detail ?? init.title;
    super(tail ? `Vipps ${head}: ${tail}` : `Vipps ${head}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'VippsError';
    this.operation = init.operation;
    this.status = init.status;
    this.code = init.code;
    this.traceId = init.traceId;
    this.title = init.title;
    this.detail = init.detail;
    this.body = init.body;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** True when the same call (same key, same body) may succeed later: network, timeout, 5xx, 429. */
  get retryable(): boolean {
    if (this.code === 'network-error' || this.code === 'timeout') return true;
    return this.status !== undefined && (this.status >= 500 || this.status === 429);
  }
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * Pulls code, trace id, title and detail out of an error body. Each API has its own shape
 * (API-NOTES §4), so every known one is tried:
 * - ePayment / Webhooks Problem: `extraDetails: [{name: "ErrorCode", reason: "6090"}]`, `traceId`;
 * - Recurring ErrorV3: `extraDetails: [{field, text}]`, `contextId`;
 * - QR / Order Management: `invalidParams: [{name, reason}]` (no code; reasons go into detail);
 * - Azure APIM (401/403/429 from the gateway): `{responseInfo: {responseCode, responseMessage}}`;
 * - access token: `{error, error_description, trace_id}`.
 */
export function describeErrorBody(body: unknown): Pick<VippsErrorInit, 'code' | 'traceId' | 'title' | 'detail'> {
  const b = rec(body);
  if (!b) return { detail: typeof body === 'string' && body.length > 0 ? body.slice(0, 500) : undefined };

  let code: string | undefined;
  const reasons: string[] = [];
  if (Array.isArray(b.extraDetails)) {
    for (const item of b.extraDetails) {
      const d = rec(item);
      if (!d) continue;
      const name = str(d.name) ?? str(d.field);
      const reason = str(d.reason) ?? str(d.text);
      if (name !== undefined && /^error ?code$/i.test(name) && reason !== undefined) code ??= reason;
      else if (name !== undefined && reason !== undefined) reasons.push(`${name}: ${reason}`);
    }
  }
  if (Array.isArray(b.invalidParams)) {
    for (const item of b.invalidParams) {
      const d = rec(item);
      if (d && str(d.name) && str(d.reason)) reasons.push(`${str(d.name)}: ${str(d.reason)}`);
    }
  }
  const azure = rec(b.responseInfo);
  if (azure) code ??= str(azure.responseCode);
  code ??= str(b.errorCode) ?? str(b.error);

  const title = str(b.title) ?? (azure ? str(azure.responseMessage) : undefined);
  const baseDetail = str(b.detail) ?? str(b.error_description) ?? str(rec(b.result)?.message);
  const detail = [baseDetail, ...reasons].filter(Boolean).join('; ') || undefined;
  const traceId = str(b.traceId) ?? str(b.trace_id) ?? str(b.contextId) ?? str(b.correlation_id);
  return { code, traceId, title, detail };
}
