import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashToken } from './ports.js';
import { receiptToken, verifyReceiptToken } from './receipt-token.js';

const SECRET = Buffer.from('receipt-token-test-server-secret-0123456789');

describe('receipt tokens', () => {
  it('open their own session only', () => {
    const t = receiptToken(SECRET, 'session-1');
    expect(verifyReceiptToken(SECRET, 'session-1', t)).toBe(true);
    expect(verifyReceiptToken(SECRET, 'session-2', t)).toBe(false);
    expect(verifyReceiptToken(SECRET, 'session-1', t.slice(0, -1))).toBe(false);
    expect(verifyReceiptToken(SECRET, 'session-1', '')).toBe(false);
  });

  it('are the same for the same secret however it is given, and differ for another secret', () => {
    expect(receiptToken(SECRET.toString('utf8'), 'session-1')).toBe(receiptToken(SECRET, 'session-1'));
    expect(receiptToken(Buffer.from('another-server-secret-of-32-characters'), 'session-1')).not.toBe(receiptToken(SECRET, 'session-1'));
  });

  it('cannot be made from what the database holds', () => {
    // Everything stored about a session: its id and the hash of the driver's token. The earlier
    // scheme keyed the HMAC with that hash; it must not open anything now.
    const tokenHash = hashToken('tok_driver-token-xxxxxxxxxxxxxxxx');
    const fromDatabase = createHmac('sha256', tokenHash).update('receipt:session-1').digest('base64url');
    expect(verifyReceiptToken(SECRET, 'session-1', fromDatabase)).toBe(false);
    expect(verifyReceiptToken(SECRET, 'session-1', tokenHash)).toBe(false);
  });
});
