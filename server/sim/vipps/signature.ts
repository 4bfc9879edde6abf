/**
 * Webhook request signing, as WHD request-authentication.md describes (API-NOTES §7):
 *
 *   x-ms-content-sha256 = base64(SHA-256(raw body bytes))
 *   string to sign      = "POST\n" + pathAndQuery + "\n" + date + ";" + host + ";" + contentHash
 *   Authorization       = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" +
 *                         base64(HMAC-SHA256(key = secret as UTF-8 bytes, string to sign))
 *
 * `pathAndQuery` and `host` come from the *registered* URL (JS `url.pathname + url.search`,
 * `url.host`), the secret is used as UTF-8 text and is never base64-decoded.
 */
import { createHash, createHmac } from 'node:crypto';

export interface SignedHeaders {
  'x-ms-date': string;
  'x-ms-content-sha256': string;
  authorization: string;
}

/** Sign one delivery of `body` to `registeredUrl` at `date`. */
export function signWebhook(registeredUrl: string, secret: string, body: string | Uint8Array, date: Date): SignedHeaders {
  const url = new URL(registeredUrl);
  const contentHash = createHash('sha256').update(body).digest('base64');
  const msDate = date.toUTCString(); // RFC 1123, e.g. "Thu, 30 Mar 2023 08:38:32 GMT"
  const toSign = `POST\n${url.pathname}${url.search}\n${msDate};${url.host};${contentHash}`;
  const signature = createHmac('sha256', Buffer.from(secret, 'utf8')).update(toSign, 'utf8').digest('base64');
  return {
    'x-ms-date': msDate,
    'x-ms-content-sha256': contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  };
}
