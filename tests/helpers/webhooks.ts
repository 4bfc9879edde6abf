/** Webhook deliveries signed as Vipps MobilePay signs them, for tests that post them by hand. */
import { contentHash, webhookSignature } from '../../server/payments/vipps/webhook-verifier.js';

/** The headers of a delivery of `body` to the registration `reg`, dated `date`. */
export function signedWebhookHeaders(body: string, reg: { secret: string; url: string }, date: Date): Record<string, string> {
  const d = date.toUTCString();
  const hash = contentHash(body);
  return {
    'content-type': 'application/json',
    'x-ms-date': d,
    'x-ms-content-sha256': hash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${webhookSignature(reg.secret, reg.url, d, hash)}`
  };
}
