import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { aSandbox, anAuthorizedPayment, client, tokenFor } from './test-kit.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vipps-sandbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('persistence', () => {
  it('a restarted sandbox remembers payments, idempotency records, tokens, webhooks and QR codes', async () => {
    const file = path.join(dir, 'state.json');
    const a = aSandbox({ stateFile: file });
    const token = await tokenFor(a);
    const api = client(a, token);
    const ref = await anAuthorizedPayment(api);
    await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 700 } }, 'persist-cap');
    await api.post('/webhooks/v1/webhooks', { url: 'https://plugpay.example/hook', events: ['epayments.payment.captured.v1'] });
    await api.post('/qr/v1/merchant-redirect', { id: 'kept', redirectUrl: 'https://plugpay.example/k' }, undefined, { Accept: 'image/*' });
    await a.close();
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);

    const b = aSandbox({ stateFile: file });
    const api2 = client(b, token); // the old token is still valid
    const got = await api2.get(`/epayment/v1/payments/${ref}`);
    expect(got.body.aggregate.capturedAmount.value).toBe(700);
    const replay = await api2.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 700 } }, 'persist-cap');
    expect(replay.status).toBe(200);
    expect(b.state.payments[`123456:${ref}`]!.captured).toBe(700);
    expect((await api2.get('/webhooks/v1/webhooks')).body.webhooks).toHaveLength(1);
    expect((await api2.get('/qr/v1/merchant-redirect/kept', { Accept: 'image/*' })).status).toBe(200);
    await b.close();
  });

  it('a restarted sandbox goes on delivering the webhooks it had not delivered, in order', async () => {
    const file = path.join(dir, 'webhooks.json');
    let accept = false;
    const received: string[] = [];
    // Deliveries turned away before the restart; the test waits for them instead of for a time.
    const refused: string[] = [];
    let onRefused = () => {};
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (accept) received.push(JSON.parse(body).name);
        else {
          refused.push(JSON.parse(body).name);
          onRefused();
        }
        res.writeHead(accept ? 200 : 500).end();
      });
    });
    const refusedAtLeast = (n: number) =>
      new Promise<void>((resolve) => {
        onRefused = () => refused.length >= n && resolve();
        onRefused();
      });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const a = aSandbox({ stateFile: file, webhookRetryBaseMs: 20 });
      const token = await tokenFor(a);
      const api = client(a, token);
      const reg = await api.post('/webhooks/v1/webhooks', { url, events: ['epayments.payment.created.v1', 'epayments.payment.authorized.v1'] });
      expect(reg.status).toBe(201);
      await anAuthorizedPayment(api);
      // A few failed attempts, retried: the first event was refused, then tried again.
      await refusedAtLeast(2);
      // Strictly in order: AUTHORIZED waits while CREATED keeps failing (WHD api-guide).
      expect(new Set(refused)).toEqual(new Set(['CREATED']));
      await a.close();
      expect(JSON.parse(readFileSync(file, 'utf8')).pendingWebhooks).toHaveLength(2);

      accept = true;
      const b = aSandbox({ stateFile: file, webhookRetryBaseMs: 20 });
      await b.flushWebhooks();
      expect(received).toEqual(['CREATED', 'AUTHORIZED']);
      expect(b.state.pendingWebhooks).toHaveLength(0);
      await b.close();
    } finally {
      receiver.close();
    }
  });

  it('refuses a corrupt state file with a clear error', () => {
    const file = path.join(dir, 'corrupt.json');
    writeFileSync(file, '{not json');
    expect(() => aSandbox({ stateFile: file })).toThrow(/cannot read state file/);
  });
});

describe('HTTP faults', () => {
  it('fails the next N matching calls with a status and Retry-After, then recovers', async () => {
    const sb = aSandbox();
    const api = client(sb, await tokenFor(sb));
    sb.faults.failNext({ count: 2, status: 429, retryAfterSeconds: 3, pathPrefix: '/epayment/v1/payments' });
    const r1 = await api.get('/epayment/v1/payments/unknown-ref-1');
    expect(r1.status).toBe(429);
    expect(r1.headers.get('retry-after')).toBe('3');
    expect((await api.get('/webhooks/v1/webhooks')).status).toBe(200); // other path untouched
    expect((await api.get('/epayment/v1/payments/unknown-ref-1')).status).toBe(429);
    expect((await api.get('/epayment/v1/payments/unknown-ref-1')).status).toBe(404);
    await sb.close();
  });

  it('a hang never answers until the sandbox closes', async () => {
    const sb = aSandbox();
    const api = client(sb, await tokenFor(sb));
    sb.faults.hangNext({ pathPrefix: '/webhooks' });
    let settled = false;
    const pending = api.get('/webhooks/v1/webhooks').then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBe(false);
    await sb.close();
    expect((await pending).status).toBe(504);
  });

  it('is driven over HTTP at /_sandbox/faults, and refuses bad faults', async () => {
    const sb = aSandbox();
    const api = client(sb, await tokenFor(sb));
    const add = await sb.app.request('/_sandbox/faults', { method: 'POST', body: JSON.stringify({ kind: 'fail', status: 503, count: 1 }), headers: { 'content-type': 'application/json' } });
    expect(add.status).toBe(201);
    expect((await sb.app.request('/_sandbox/faults', { method: 'POST', body: JSON.stringify({ kind: 'explode' }) })).status).toBe(400);
    expect((await sb.app.request('/_sandbox/faults', { method: 'POST', body: 'nope' })).status).toBe(400);
    expect((await api.get('/webhooks/v1/webhooks')).status).toBe(503);
    await sb.app.request('/_sandbox/faults', { method: 'POST', body: JSON.stringify({ kind: 'webhook', mode: 'drop', count: 2 }) });
    expect(((await (await sb.app.request('/_sandbox/faults')).json()) as any).webhooks.drop).toBe(2);
    expect((await sb.app.request('/_sandbox/faults', { method: 'DELETE' })).status).toBe(204);
    expect(sb.faults.list().webhooks.drop).toBe(0);
    await sb.close();
  });

  it('adds latency to matching calls', async () => {
    const sb = aSandbox();
    const api = client(sb, await tokenFor(sb));
    sb.faults.addLatency({ ms: 300, count: 1, pathPrefix: '/webhooks' });
    let settled = false;
    const pending = api.get('/webhooks/v1/webhooks').then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // still held back by the injected delay
    expect((await pending).status).toBe(200);
    expect(sb.faults.list().http).toHaveLength(0);
    await sb.close();
  });
});
