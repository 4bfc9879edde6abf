/**
 * The EV flow end to end over real HTTP: plugpay's Vipps client against plugpay's Vipps sandbox
 * served on its own loopback port. token → reserve 350 kr → approve → capture 216.14 kr → cancel
 * the rest → read back; the receipt goes once, the second send is "already sent".
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../server/config.js';
import { VippsPayments } from '../server/payments/vipps-payments.js';
import { VippsClient } from '../server/payments/vipps/client.js';
import { VippsError } from '../server/payments/vipps/errors.js';
import { WebhookVerifier } from '../server/payments/vipps/webhook-verifier.js';
import { parseWebhookNotification } from '../server/payments/vipps-payments.js';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createVippsSandbox } from '../server/sim/vipps/sandbox.js';

let server: ServerType;
let sandbox: ReturnType<typeof createVippsSandbox>;
let baseUrl: string;

beforeAll(async () => {
  // The sandbox needs its public URL up front, so listen first and hand requests over once built.
  let app: { fetch: (req: Request) => Response | Promise<Response> } | undefined;
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: (req) => app!.fetch(req), port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Short webhook retries: a receiver that is gone must not hold flushWebhooks() for minutes.
  sandbox = createVippsSandbox({ publicBaseUrl: baseUrl, credentials: { ...SANDBOX_CREDENTIALS }, webhookRetryBaseMs: 10, webhookMaxAttempts: 2 });
  app = sandbox.app;
});

afterAll(async () => {
  await sandbox?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

function client(overrides: Partial<ConstructorParameters<typeof VippsClient>[0]> = {}) {
  return new VippsClient({
    baseUrl,
    ...SANDBOX_CREDENTIALS,
    systemName: 'plugpay',
    systemVersion: '0.1.0',
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    timeoutMs: 5_000,
    ...overrides
  });
}

describe('Vipps client walkthrough against the sandbox', () => {
  it('reserves, approves, captures part, cancels the rest, and sends the receipt once', async () => {
    const vipps = client();
    const payments = new VippsPayments(vipps);
    const reference = `ev-walk-${Date.now().toString(36)}`;

    await expect(vipps.tokens.get()).resolves.toMatch(/.{10,}/);

    const { redirectUrl } = await payments.reserve({
      reference,
      amountOre: 35000,
      description: 'Charging at Hub 1, connector 2',
      returnUrl: 'https://plugpay.example/s/walk',
      idempotencyKey: `${reference}-create`
    });
    expect(redirectUrl).toMatch(/^http/);
    await expect(payments.getReservation(reference)).resolves.toMatchObject({ status: 'pending', amountOre: 35000, authorizedOre: 0 });

    // Same key, same body: a retry after a crash replays instead of creating a second payment.
    await expect(
      payments.reserve({ reference, amountOre: 35000, description: 'Charging at Hub 1, connector 2', returnUrl: 'https://plugpay.example/s/walk', idempotencyKey: `${reference}-create` })
    ).resolves.toEqual({ redirectUrl });

    const token = new URL(redirectUrl).searchParams.get('token') ?? undefined;
    await vipps.epayment.forceApprove(reference, token ? { token } : {});
    await expect(payments.getReservation(reference)).resolves.toMatchObject({ status: 'authorized', authorizedOre: 35000 });

    await expect(payments.capture(reference, 21614, `${reference}-capture`)).resolves.toMatchObject({ capturedOre: 21614 });
    // Retried capture with the same key is harmless: still 21614 captured, not 43228.
    await expect(payments.capture(reference, 21614, `${reference}-capture`)).resolves.toMatchObject({ capturedOre: 21614 });

    await expect(payments.cancel(reference, `${reference}-cancel`)).resolves.toMatchObject({ cancelledOre: 13386 });

    await expect(payments.getReservation(reference)).resolves.toEqual({
      reference,
      status: 'authorized',
      amountOre: 35000,
      authorizedOre: 35000,
      capturedOre: 21614,
      cancelledOre: 13386,
      refundedOre: 0
    });

    const events = await vipps.epayment.events(reference);
    expect(events.map((e) => e.name)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED', 'CANCELLED']);

    const receipt = {
      lines: [
        { id: 'energy', name: 'Energy 23.418 kWh', totalOre: 20000, netOre: 16000, vatOre: 4000, vatRateBp: 2500, quantity: '23.418', unit: 'KWH' as const, unitPriceOre: 854 },
        { id: 'start', name: 'Start fee', totalOre: 1614, netOre: 1291, vatOre: 323, vatRateBp: 2500 }
      ],
      posId: 'hub-1',
      receiptNumber: reference
    };
    await expect(payments.sendReceipt(reference, receipt)).resolves.toBe('sent');
    await expect(payments.sendReceipt(reference, receipt)).resolves.toBe('already-sent');
    await payments.setReceiptLink(reference, 'https://plugpay.example/s/walk');
    const order = await vipps.orderManagement.getOrder('ECOM', reference);
    expect(order.category).toMatchObject({ category: 'RECEIPT', orderDetailsUrl: 'https://plugpay.example/s/walk' });
    expect(order.receipt?.orderLines.map((l) => l.id)).toEqual(['energy', 'start']);
  });

  it('a capture above the reservation is refused with the Vipps code, and changes nothing', async () => {
    const vipps = client();
    const reference = `ev-over-${Date.now().toString(36)}`;
    await vipps.epayment.create(
      { amount: { currency: 'NOK', value: 10000 }, paymentMethod: { type: 'WALLET' }, userFlow: 'WEB_REDIRECT', returnUrl: 'https://plugpay.example/r', reference },
      `${reference}-create`
    );
    await vipps.epayment.forceApprove(reference);
    const err = await vipps.epayment.capture(reference, { currency: 'NOK', value: 10001 }, `${reference}-capture`).catch((e) => e);
    expect(err).toBeInstanceOf(VippsError);
    expect(err).toMatchObject({ status: 400, code: '6090' });
    expect((await vipps.epayment.get(reference)).aggregate.capturedAmount.value).toBe(0);
  });

  it('wrong credentials give a typed 401 from the token call', async () => {
    const vipps = client({ clientSecret: 'not-the-secret' });
    await expect(vipps.epayment.get('ev-nothing-1')).rejects.toMatchObject({ name: 'VippsError', operation: 'accesstoken.get', status: 401 });
  });

  it('registers a webhook once: ensureWebhook returns the secret only on creation', async () => {
    const payments = new VippsPayments(client());
    const url = `${baseUrl}/hooks/walk-${Date.now().toString(36)}`;
    const events = ['epayments.payment.authorized.v1', 'epayments.payment.captured.v1'];
    const first = await payments.ensureWebhook(url, events);
    expect(first.secret).toEqual(expect.any(String));
    await expect(payments.ensureWebhook(url, events)).resolves.toEqual({ id: first.id, secret: undefined });
    await client().webhooks.delete(first.id);
    expect((await client().webhooks.list()).map((w) => w.id)).not.toContain(first.id);
  });

  it('a signed delivery from the sandbox passes the verifier with the registered secret, and fails with another', async () => {
    const deliveries: { body: Buffer; headers: IncomingHttpHeaders }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliveries.push({ body: Buffer.concat(chunks), headers: req.headers });
        res.statusCode = 200;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/vipps?node=a`;
      const vipps = client();
      const payments = new VippsPayments(vipps);
      const reg = await payments.ensureWebhook(url, ['epayments.payment.authorized.v1']);
      const reference = `ev-hook-${Date.now().toString(36)}`;
      await vipps.epayment.create(
        { amount: { currency: 'NOK', value: 35000 }, paymentMethod: { type: 'WALLET' }, userFlow: 'WEB_REDIRECT', returnUrl: 'https://plugpay.example/r', reference },
        `${reference}-create`
      );
      await vipps.epayment.forceApprove(reference);
      await sandbox.flushWebhooks();

      const mine = deliveries.filter((d) => parseWebhookNotification(JSON.parse(d.body.toString()))?.reference === reference);
      expect(mine).toHaveLength(1);
      expect(parseWebhookNotification(JSON.parse(mine[0].body.toString()))).toMatchObject({ name: 'AUTHORIZED', amountOre: 35000, success: true });
      const good = new WebhookVerifier({ secret: reg.secret!, registeredUrl: url });
      expect(good.verify({ body: mine[0].body, headers: mine[0].headers })).toEqual({ ok: true });
      const bad = new WebhookVerifier({ secret: 'someone-else', registeredUrl: url });
      expect(bad.verify({ body: mine[0].body, headers: mine[0].headers })).toMatchObject({ ok: false, reason: 'bad-signature' });
    } finally {
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});
