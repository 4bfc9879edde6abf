/**
 * The whole EV flow against the standalone sandbox over real HTTP, with raw fetch calls:
 * token → create (WEB_REDIRECT, 350 kr) → approve through the app page form → a verified
 * webhook → capture 216,14 kr → cancel → get shows authorized 35000, captured 21614,
 * cancelled 13386. Every response is validated against the official documents.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec, validateComponent, validateResponse } from './helpers/openapi.js';


/** Independent check of the WHD formula (not the sandbox's own signer). */
function verified(url: string, secret: string, h: IncomingHttpHeaders, raw: Buffer): boolean {
  const hash = createHash('sha256').update(raw).digest('base64');
  if (h['x-ms-content-sha256'] !== hash) return false;
  const u = new URL(url);
  const sig = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`POST\n${u.pathname}${u.search}\n${h['x-ms-date']};${u.host};${hash}`).digest('base64');
  const got = String(h.authorization ?? '').split('&Signature=')[1] ?? '';
  return String(h.authorization).startsWith('HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&') && got.length === sig.length && timingSafeEqual(Buffer.from(got), Buffer.from(sig));
}

describe('sandbox walkthrough over real HTTP', () => {
  let child: ChildProcess;
  let base = '';
  let receiver: Server;
  let hookUrl = '';
  let secret = '';
  const hooks: { body: any; ok: boolean }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        hooks.push({ body: JSON.parse(raw.toString('utf8')), ok: verified(hookUrl, secret, req.headers, raw) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/vipps`;

    const cli = path.resolve(import.meta.dirname, '../server/sim/vipps/cli.ts');
    child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'silent' } });
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`sandbox exited early (${code})`)));
    });
  }, 15_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('token → create → approve in the app → webhook → capture → cancel → get', async () => {
    const ep = loadSpec('epayment-v1.yml')!;
    const at = loadSpec('access-token.yaml')!;
    const wh = loadSpec('webhooks-v1.yaml')!;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const tokRes = await fetch(`${base}/accesstoken/get`, {
      method: 'POST',
      headers: { client_id: 'plugpay-sandbox', client_secret: 'plugpay-sandbox-secret', 'Ocp-Apim-Subscription-Key': 'plugpay-sandbox-key' },
    });
    const tok = await tokRes.json();
    expect(validateResponse(at, 'POST', '/accesstoken/get', tokRes.status, tok, tokRes.headers.get('content-type')!)).toEqual([]);
    const headers = { Authorization: `Bearer ${tok.access_token}`, 'Ocp-Apim-Subscription-Key': 'plugpay-sandbox-key', 'Merchant-Serial-Number': '123456', 'content-type': 'application/json' };

    const regRes = await fetch(`${base}/webhooks/v1/webhooks`, { method: 'POST', headers, body: JSON.stringify({ url: hookUrl, events: ['epayments.payment.authorized.v1'] }) });
    const reg = await regRes.json();
    expect(validateResponse(wh, 'POST', '/webhooks/v1/webhooks', regRes.status, reg)).toEqual([]);
    secret = reg.secret;

    const reference = `ev-walk-${Date.now()}`;
    const createRes = await fetch(`${base}/epayment/v1/payments`, {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': `${reference}-create` },
      body: JSON.stringify({ amount: { currency: 'NOK', value: 35000 }, paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: 'https://plugpay.example/return', paymentDescription: 'Charging' }),
    });
    const created = await createRes.json();
    expect(createRes.status).toBe(201);
    expect(validateResponse(ep, 'POST', '/epayment/v1/payments', createRes.status, created)).toEqual([]);

    // The driver's browser: open the redirectUrl, submit the Approve form, follow nothing.
    const pageHtml = await (await fetch(created.redirectUrl)).text();
    const m = /<form method="post" action="([^"]+)"[^>]*><input type="hidden" name="token" value="([^"]+)"><button id="approve"/.exec(pageHtml);
    expect(m).not.toBeNull();
    const approveRes = await fetch(m![1]!.replace(/&#38;/g, '&'), { method: 'POST', body: new URLSearchParams({ token: m![2]! }), redirect: 'manual' });
    expect(approveRes.status).toBe(303);
    expect(approveRes.headers.get('location')).toBe('https://plugpay.example/return');

    await expect.poll(() => hooks.length, { timeout: 5000 }).toBe(1);
    expect(hooks[0]!.ok).toBe(true);
    expect(hooks[0]!.body).toMatchObject({ reference, name: 'AUTHORIZED', amount: { currency: 'NOK', value: 35000 }, success: true });
    expect(validateComponent(ep, 'WebhookEvent', hooks[0]!.body)).toEqual([]);

    const capRes = await fetch(`${base}/epayment/v1/payments/${reference}/capture`, {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': `${reference}-capture` },
      body: JSON.stringify({ modificationAmount: { currency: 'NOK', value: 21614 } }),
    });
    expect(capRes.status).toBe(200);
    expect(validateResponse(ep, 'POST', `/epayment/v1/payments/${reference}/capture`, capRes.status, await capRes.json())).toEqual([]);

    const canRes = await fetch(`${base}/epayment/v1/payments/${reference}/cancel`, { method: 'POST', headers: { ...headers, 'Idempotency-Key': `${reference}-cancel` } });
    expect(canRes.status).toBe(200);
    expect(validateResponse(ep, 'POST', `/epayment/v1/payments/${reference}/cancel`, canRes.status, await canRes.json())).toEqual([]);

    const getRes = await fetch(`${base}/epayment/v1/payments/${reference}`, { headers });
    const got = await getRes.json();
    expect(validateResponse(ep, 'GET', `/epayment/v1/payments/${reference}`, getRes.status, got)).toEqual([]);
    expect(got.state).toBe('AUTHORIZED');
    expect(got.aggregate.authorizedAmount.value).toBe(35000);
    expect(got.aggregate.capturedAmount.value).toBe(21614);
    expect(got.aggregate.cancelledAmount.value).toBe(13386);
    expect(got.aggregate.refundedAmount.value).toBe(0);
  });
});
