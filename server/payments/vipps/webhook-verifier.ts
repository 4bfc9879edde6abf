/**
 * Verifies that a webhook delivery really comes from Vipps MobilePay and was not altered
 * (WHD request-authentication.md; API-NOTES §7). Never throws on bad input: every outcome is a
 * typed result the route can turn into a 401 with a reason in the log.
 *
 * The rules, in the order they are checked:
 * 1. `x-ms-date` must be present and within the freshness window (replays of old deliveries fail).
 * 2. `x-ms-content-sha256` must equal base64(SHA-256(raw body bytes)): hash the bytes as received,
 *    never re-serialised JSON.
 * 3. `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…`,
 *    where the signature is base64(HMAC-SHA256(secret as UTF-8, not base64-decoded,
 *    "POST\n<pathAndQuery>\n<date>;<host>;<contentHash>")) and path, query and host are those of
 *    the *registered* URL, not whatever a proxy rewrote them to.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookVerification =
  | { ok: true }
  | {
      ok: false;
      reason: 'missing-header' | 'bad-date' | 'stale-date' | 'bad-content-hash' | 'bad-authorization-header' | 'bad-signature';
      detail: string;
    };

export interface WebhookVerifierOptions {
  /** The secret returned when the webhook was registered, used as is. */
  secret: string;
  /** The URL exactly as registered with Vipps. */
  registeredUrl: string;
  /** How far `x-ms-date` may be from now, either way (default 5 minutes). */
  maxAgeMs?: number;
  now?: () => number;
}

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

export interface WebhookDelivery {
  /** The raw body bytes (a string is taken as its UTF-8 bytes). */
  body: Uint8Array | string;
  headers: HeaderBag;
}

const AUTH_PATTERN = /^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(\S+)$/;
const SIGNED_HEADERS = 'x-ms-date;host;x-ms-content-sha256';

function header(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

function bytes(body: Uint8Array | string): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** base64(SHA-256(body)), the value of `x-ms-content-sha256`. */
export function contentHash(body: Uint8Array | string): string {
  return createHash('sha256').update(bytes(body)).digest('base64');
}

/** The signature Vipps would put on a delivery of `body` to `url` at `date`. */
export function webhookSignature(secret: string, url: string, date: string, hash: string): string {
  const u = new URL(url);
  const toSign = `POST\n${u.pathname}${u.search}\n${date};${u.host};${hash}`;
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(toSign, 'utf8').digest('base64');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch is a mismatch (and leaks only the length).
  return x.length === y.length && timingSafeEqual(x, y);
}

export class WebhookVerifier {
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly url: URL;

  constructor(private readonly opts: WebhookVerifierOptions) {
    if (opts.secret.length === 0) throw new Error('webhook secret must not be empty');
    this.url = new URL(opts.registeredUrl);
    this.maxAgeMs = opts.maxAgeMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  verify(delivery: WebhookDelivery): WebhookVerification {
    try {
      return this.check(delivery);
    } catch (err) {
      // Defensive: odd input types must not crash the webhook route.
      return { ok: false, reason: 'bad-authorization-header', detail: `unreadable delivery: ${(err as Error)?.message}` };
    }
  }

  private check({ body, headers }: WebhookDelivery): WebhookVerification {
    const date = header(headers, 'x-ms-date');
    const hash = header(headers, 'x-ms-content-sha256');
    const authorization = header(headers, 'authorization');
    if (!date || !hash || !authorization) {
      return { ok: false, reason: 'missing-header', detail: 'x-ms-date, x-ms-content-sha256 and authorization are required' };
    }
    const at = Date.parse(date);
    if (Number.isNaN(at)) return { ok: false, reason: 'bad-date', detail: `x-ms-date "${date}" is not a date` };
    if (Math.abs(this.now() - at) > this.maxAgeMs) {
      return { ok: false, reason: 'stale-date', detail: `x-ms-date ${date} is outside the ${this.maxAgeMs} ms window` };
    }
    if (!sameText(contentHash(body), hash)) {
      return { ok: false, reason: 'bad-content-hash', detail: 'x-ms-content-sha256 does not match the body' };
    }
    const m = AUTH_PATTERN.exec(authorization.trim());
    if (!m || m[1].toLowerCase() !== SIGNED_HEADERS) {
      return { ok: false, reason: 'bad-authorization-header', detail: 'expected HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…' };
    }
    const expected = webhookSignature(this.opts.secret, this.url.href, date, hash);
    if (!sameText(expected, m[2])) return { ok: false, reason: 'bad-signature', detail: 'signature does not match' };
    return { ok: true };
  }
}
