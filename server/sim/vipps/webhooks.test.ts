import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VippsSandbox } from './sandbox.js';
import { signWebhook } from './signature.js';
import { aPayment, aSandbox, anAuthorizedPayment, client, tokenFor } from './test-kit.js';

/**
 * Our own, independent check of the WHD request-authentication formula: recompute the content
 * hash from the raw bytes, then the HMAC over "POST\n<path+query>\n<date>;<host>;<hash>".
 */
function verify(url: string, secret: string, headers: IncomingHttpHeaders, raw: Buffer): boolean {
  const hash = createHash('sha256').update(raw).digest('base64');
  if (headers['x-ms-content-sha256'] !== hash) return false;
  const u = new URL(url);
  const expected = createHmac('sha256', secret).update(`POST\n${u.pathname}${u.search}\n${headers['x-ms-date']};${u.host};${hash}`).digest('base64');
  const m = /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(.+)$/.exec(String(headers.authorization));
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

interface Received {
  body: any;
  verified: boolean;
  host: string | undefined;
}

let server: Server;
let port: number;
let received: Received[] = [];
let failNext = 0;
let secret = '';
let registeredUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      received.push({ body: JSON.parse(raw.toString('utf8')), verified: verify(registeredUrl, secret, req.headers, raw), host: req.headers.host });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let sb: VippsSandbox;
let api: ReturnType<typeof client>;
beforeEach(async () => {
  received = [];
  failNext = 0;
  sb = aSandbox({ webhookRetryBaseMs: 5, webhookReorderHoldMs: 200 });
  api = client(sb, await tokenFor(sb));
  registeredUrl = `http://127.0.0.1:${port}/hooks/vipps?src=sandbox`;
  const reg = await api.post('/webhooks/v1/webhooks', { url: registeredUrl, events: ['epayments.payment.authorized.v1', 'epayments.payment.captured.v1', 'epayments.payment.cancelled.v1', 'epayments.payment.created.v1', 'epayments.payment.expired.v1'] });
  expect(reg.status).toBe(201);
  secret = reg.body.secret;
});
afterEach(() => sb.close());

describe('signature', () => {
  it('reproduces the worked example of the Vipps documentation', () => {
    const h = signWebhook(
      'https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63',
      'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==',
      '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}',
      new Date('Thu, 30 Mar 2023 08:38:32 GMT'),
    );
    expect(h['x-ms-date']).toBe('Thu, 30 Mar 2023 08:38:32 GMT');
    expect(h['x-ms-content-sha256']).toBe('lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=');
    expect(h.authorization).toBe('HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=');
  });
});

describe('registration', () => {
  it('lists and deletes registrations; refuses bad ones', async () => {
    const list = await api.get('/webhooks/v1/webhooks');
    expect(list.body.webhooks).toHaveLength(1);
    expect(list.body.webhooks[0].secret).toBeUndefined();
    expect((await api.post('/webhooks/v1/webhooks', { url: 'http://example.com/x', events: ['epayments.payment.captured.v1'] })).status).toBe(400);
    expect((await api.post('/webhooks/v1/webhooks', { url: 'https://example.com/x', events: ['no.such.event'] })).status).toBe(400);
    expect((await api.post('/webhooks/v1/webhooks', { url: 'https://example.com/x' })).status).toBe(400);
    expect((await api.post('/webhooks/v1/webhooks', 'nope')).status).toBe(400);
    const id = list.body.webhooks[0].id;
    expect((await api.call('DELETE', `/webhooks/v1/webhooks/${id}`)).status).toBe(204);
    expect((await api.call('DELETE', `/webhooks/v1/webhooks/${id}`)).status).toBe(404);
    expect((await api.get('/webhooks/v1/webhooks')).body.webhooks).toHaveLength(0);
  });
});

describe('delivery', () => {
  it('delivers signed events in order with the documented payload', async () => {
    const ref = await anAuthorizedPayment(api);
    await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 1000 } }, `${ref}-capture`);
    await sb.flushWebhooks();
    expect(received.map((r) => r.body.name)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED']);
    expect(received.every((r) => r.verified)).toBe(true);
    expect(received[0]!.host).toBe(`127.0.0.1:${port}`);
    const cap = received[2]!.body;
    expect(cap).toMatchObject({ msn: '123456', reference: ref, name: 'CAPTURED', amount: { currency: 'NOK', value: 1000 }, idempotencyKey: `${ref}-capture`, success: true });
    expect(typeof cap.pspReference).toBe('string');
    expect(Number.isNaN(Date.parse(cap.timestamp))).toBe(false);
  });

  it('retries a refused delivery and keeps the order (a failing AUTHORIZED blocks CAPTURED)', async () => {
    const body = aPayment();
    await api.post('/epayment/v1/payments', body, 'o1');
    await sb.flushWebhooks();
    failNext = 3;
    await api.post(`/epayment/v1/test/payments/${body.reference}/approve`, {});
    await api.post(`/epayment/v1/payments/${body.reference}/capture`, { modificationAmount: { currency: 'NOK', value: 500 } }, 'o2');
    await sb.flushWebhooks();
    expect(failNext).toBe(0);
    expect(received.map((r) => r.body.name)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED']);
  });

  it('only sends the events a registration asked for', async () => {
    const ref = await anAuthorizedPayment(api);
    await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 35000 } }, 'e1');
    await api.post(`/epayment/v1/payments/${ref}/refund`, { modificationAmount: { currency: 'NOK', value: 100 } }, 'e2');
    await sb.flushWebhooks();
    expect(received.map((r) => r.body.name)).not.toContain('REFUNDED');
  });

  it('fires EXPIRED from the timer without anybody polling', async () => {
    await sb.close();
    sb = aSandbox({ webhookRetryBaseMs: 5, expiryMs: 50 });
    api = client(sb, await tokenFor(sb));
    const reg = await api.post('/webhooks/v1/webhooks', { url: registeredUrl, events: ['epayments.payment.expired.v1'] });
    secret = reg.body.secret;
    const body = aPayment();
    await api.post('/epayment/v1/payments', body, 'x1');
    await expect.poll(() => received.map((r) => r.body.name), { timeout: 3000 }).toEqual(['EXPIRED']);
    expect(received[0]!.verified).toBe(true);
  });

  it('fault injection: drop, duplicate and reorder deliveries', async () => {
    sb.faults.webhooks('drop', 1);
    const body = aPayment();
    await api.post('/epayment/v1/payments', body, 'd1');
    await sb.flushWebhooks();
    expect(received).toHaveLength(0); // CREATED dropped

    sb.faults.webhooks('duplicate', 1);
    await api.post(`/epayment/v1/test/payments/${body.reference}/approve`, {});
    await sb.flushWebhooks();
    expect(received.map((r) => r.body.name)).toEqual(['AUTHORIZED', 'AUTHORIZED']);

    received = [];
    sb.faults.webhooks('reorder', 1);
    await api.post(`/epayment/v1/payments/${body.reference}/capture`, { modificationAmount: { currency: 'NOK', value: 100 } }, 'd2');
    await api.post(`/epayment/v1/payments/${body.reference}/cancel`, undefined, 'd3');
    await sb.flushWebhooks();
    expect(received.map((r) => r.body.name)).toEqual(['CANCELLED', 'CAPTURED']);
  });
});
