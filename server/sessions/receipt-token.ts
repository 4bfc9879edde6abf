/**
 * The read-only capability in the receipt link plugpay gives the Vipps app (Order Management
 * "receipt" category link; API-NOTES §8): it opens one finished session and can stop nothing.
 *
 * It is an HMAC-SHA256 over the session id, keyed with a key derived (HKDF-SHA256, RFC 5869) from
 * the server secret, which is never in the database. Keyed with anything stored beside the session
 * (its token hash, say), a copy of the database would be enough to open every receipt.
 *
 * @example
 * const t = receiptToken(config.secret, session.id);   // `${publicUrl}/s/${session.id}?t=${t}`
 * verifyReceiptToken(config.secret, session.id, t);    // true
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Its own HKDF `info`, so this key is independent of every other key derived from the secret. */
const PURPOSE = 'plugpay receipt token v1';
const SALT = Buffer.from('plugpay receipt-token');

function keyOf(secret: Buffer | string): Buffer {
  if (secret.length === 0) throw new Error('receipt tokens need a server secret');
  return Buffer.from(hkdfSync('sha256', secret, SALT, PURPOSE, 32));
}

/** The receipt link's token for `sessionId` (base64url, 43 characters). */
export function receiptToken(secret: Buffer | string, sessionId: string): string {
  return createHmac('sha256', keyOf(secret)).update(`receipt:${sessionId}`).digest('base64url');
}

/** Whether `token` is the receipt token for `sessionId`, compared in constant time. */
export function verifyReceiptToken(secret: Buffer | string, sessionId: string, token: string): boolean {
  const expected = Buffer.from(receiptToken(secret, sessionId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
