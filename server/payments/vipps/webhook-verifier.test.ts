import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebhookVerifier, contentHash, webhookSignature } from './webhook-verifier.js';

// The worked example from the Webhooks request-authentication guide (API-NOTES §7).
const SECRET = 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==';
const URL_ = 'https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63';
const DATE = 'Thu, 30 Mar 2023 08:38:32 GMT';
const BODY = '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}';
const HASH = 'lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=';
const SIGNATURE = 'agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=';
const DECODED_SECRET_SIGNATURE = 'T3+NXHMmhNVEjW5PeJ4Gql70nf0MOXCAY9CoZDxuVQw=';

const auth = (sig: string) => `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${sig}`;
const headers = (over: Record<string, string | undefined> = {}) => ({
  'x-ms-date': DATE,
  'x-ms-content-sha256': HASH,
  authorization: auth(SIGNATURE),
  host: 'plugpay.internal:3000',
  ...over
});
const verifier = (over: Partial<ConstructorParameters<typeof WebhookVerifier>[0]> = {}) =>
  new WebhookVerifier({ secret: SECRET, registeredUrl: URL_, now: () => Date.parse(DATE) + 30_000, ...over });

describe('WebhookVerifier', () => {
  it('reproduces the documented content hash and signature', () => {
    expect(contentHash(BODY)).toBe(HASH);
    expect(webhookSignature(SECRET, URL_, DATE, HASH)).toBe(SIGNATURE);
  });

  it('accepts the worked example, as bytes or string, with plain or Headers headers', () => {
    expect(verifier().verify({ body: Buffer.from(BODY), headers: headers() })).toEqual({ ok: true });
    expect(verifier().verify({ body: BODY, headers: new Headers(headers() as Record<string, string>) })).toEqual({ ok: true });
    // Header names are case-insensitive in a plain record too (Node's IncomingHttpHeaders are lower case, others may not be).
    expect(verifier().verify({ body: BODY, headers: { 'X-MS-Date': DATE, 'X-MS-Content-SHA256': HASH, Authorization: auth(SIGNATURE) } })).toEqual({ ok: true });
  });

  it('signs with the registered URL, whatever host the request arrived on', () => {
    // The Host header above is a proxy's; it must not matter.
    const moved = verifier({ registeredUrl: 'https://other.example/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63' });
    expect(moved.verify({ body: BODY, headers: headers() })).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a tampered body (content hash first)', () => {
    const tampered = BODY.replace('hello-world', 'hello-world!');
    expect(verifier().verify({ body: tampered, headers: headers() })).toMatchObject({ ok: false, reason: 'bad-content-hash' });
  });

  it('refuses a tampered body even with a matching recomputed hash', () => {
    const tampered = BODY.replace('hello', 'HELLO');
    const h = createHash('sha256').update(tampered).digest('base64');
    expect(verifier().verify({ body: tampered, headers: headers({ 'x-ms-content-sha256': h }) })).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses the wrong secret', () => {
    expect(verifier({ secret: SECRET.replace('A0', 'B0') }).verify({ body: BODY, headers: headers() })).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('base64-decoding the secret gives the documented wrong signature, which is refused', () => {
    const wrong = createHmac('sha256', Buffer.from(SECRET, 'base64'))
      .update(`POST\n/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63\n${DATE};webhook.site;${HASH}`)
      .digest('base64');
    expect(wrong).toBe(DECODED_SECRET_SIGNATURE);
    expect(verifier().verify({ body: BODY, headers: headers({ authorization: auth(wrong) }) })).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    ['6 minutes after', 6 * 60_000],
    ['6 minutes before', -6 * 60_000]
  ])('refuses a date %s now (default 5-minute window)', (_n, offset) => {
    const v = verifier({ now: () => Date.parse(DATE) + offset });
    expect(v.verify({ body: BODY, headers: headers() })).toMatchObject({ ok: false, reason: 'stale-date' });
  });

  it('the window is configurable', () => {
    const v = verifier({ now: () => Date.parse(DATE) + 6 * 60_000, maxAgeMs: 10 * 60_000 });
    expect(v.verify({ body: BODY, headers: headers() })).toEqual({ ok: true });
  });

  it.each([
    ['missing date', { 'x-ms-date': undefined }, 'missing-header'],
    ['missing hash', { 'x-ms-content-sha256': undefined }, 'missing-header'],
    ['missing authorization', { authorization: undefined }, 'missing-header'],
    ['unreadable date', { 'x-ms-date': 'yesterday' }, 'bad-date'],
    ['other scheme', { authorization: `Bearer ${SIGNATURE}` }, 'bad-authorization-header'],
    ['other signed headers', { authorization: `HMAC-SHA256 SignedHeaders=host&Signature=${SIGNATURE}` }, 'bad-authorization-header'],
    ['truncated signature', { authorization: auth(SIGNATURE.slice(0, 10)) }, 'bad-signature']
  ])('refuses %s without throwing', (_n, over, reason) => {
    expect(verifier().verify({ body: BODY, headers: headers(over) })).toMatchObject({ ok: false, reason });
  });

  it('never throws on nonsense input', () => {
    const v = verifier();
    expect(v.verify({ body: 42 as unknown as string, headers: headers() }).ok).toBe(false);
    expect(v.verify({ body: BODY, headers: null as unknown as Record<string, string> }).ok).toBe(false);
  });
});
