import { describe, expect, it } from 'vitest';
import { PaymentProviderError } from './errors.js';
import type { Receipt } from './port.js';
import { VippsPayments, parseWebhookNotification } from './vipps-payments.js';
import { VippsClient } from './vipps/client.js';
import { TOKEN_BODY, fakeFetch, json, problem, type Answer } from './vipps/fake-fetch.test-helper.js';

const REF = 'ev-session-42-1';

function payments(script: Answer[]) {
  const f = fakeFetch([json(200, TOKEN_BODY), ...script]);
  const client = new VippsClient({
    baseUrl: 'https://apitest.vipps.no',
    clientId: 'cid',
    clientSecret: 'secret',
    subscriptionKey: 'sub',
    merchantSerialNumber: '123456',
    systemName: 'plugpay',
    systemVersion: '0.1.0',
    fetch: f.fetch,
    sleep: async () => {},
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 }
  });
  // calls[0] is the token request
  return { sut: new VippsPayments(client), calls: f.calls, body: (i: number) => JSON.parse(f.calls[i].body!) };
}

const nok = (value: number) => ({ currency: 'NOK', value });
function aPayment(state: string, { amount = 35000, authorized = 0, captured = 0, cancelled = 0, refunded = 0 } = {}) {
  return {
    reference: REF,
    pspReference: 'psp-1',
    state,
    amount: nok(amount),
    aggregate: { authorizedAmount: nok(authorized), capturedAmount: nok(captured), cancelledAmount: nok(cancelled), refundedAmount: nok(refunded) },
    paymentMethod: { type: 'WALLET' },
    profile: {}
  };
}

describe('VippsPayments', () => {
  it('reserve creates a WALLET, CUSTOMER_PRESENT, WEB_REDIRECT payment with the caller key', async () => {
    const { sut, calls, body } = payments([json(201, { reference: REF, redirectUrl: 'https://landing.example/?token=abc' })]);
    const res = await sut.reserve({ reference: REF, amountOre: 35000, description: 'Charging at Hub 1', returnUrl: 'https://plugpay.example/s/42', idempotencyKey: `${REF}-create` });
    expect(res).toEqual({ redirectUrl: 'https://landing.example/?token=abc' });
    expect(calls[1]).toMatchObject({ method: 'POST', url: 'https://apitest.vipps.no/epayment/v1/payments' });
    expect(calls[1].headers['idempotency-key']).toBe(`${REF}-create`);
    expect(body(1)).toEqual({
      amount: nok(35000),
      paymentMethod: { type: 'WALLET' },
      customerInteraction: 'CUSTOMER_PRESENT',
      userFlow: 'WEB_REDIRECT',
      returnUrl: 'https://plugpay.example/s/42',
      reference: REF,
      paymentDescription: 'Charging at Hub 1'
    });
  });

  it.each([
    ['CREATED', 'pending'],
    ['AUTHORIZED', 'authorized'],
    ['ABORTED', 'rejected'],
    ['EXPIRED', 'expired'],
    ['TERMINATED', 'terminated']
  ])('maps Vipps %s to %s', async (state, status) => {
    const { sut } = payments([json(200, aPayment(state))]);
    await expect(sut.getReservation(REF)).resolves.toMatchObject({ status, reference: REF, amountOre: 35000 });
  });

  it('capture and cancel return the aggregate in øre', async () => {
    const { sut, calls, body } = payments([
      json(200, aPayment('AUTHORIZED', { authorized: 35000, captured: 21614 })),
      json(200, aPayment('AUTHORIZED', { authorized: 35000, captured: 21614, cancelled: 13386 }))
    ]);
    await expect(sut.capture(REF, 21614, `${REF}-capture`)).resolves.toEqual({
      reference: REF, status: 'authorized', amountOre: 35000, authorizedOre: 35000, capturedOre: 21614, cancelledOre: 0, refundedOre: 0
    });
    expect(body(1)).toEqual({ modificationAmount: nok(21614) });
    await expect(sut.cancel(REF, `${REF}-cancel`)).resolves.toMatchObject({ cancelledOre: 13386 });
    expect(calls[2].url).toBe(`https://apitest.vipps.no/epayment/v1/payments/${REF}/cancel`);
    expect(calls[2].headers['idempotency-key']).toBe(`${REF}-cancel`);
  });

  it('refuses a fractional capture without calling Vipps', async () => {
    const { sut, calls } = payments([]);
    const err = await sut.capture(REF, 100.5, 'k').catch((e) => e);
    expect(err).toBeInstanceOf(PaymentProviderError);
    expect(err.retryable).toBe(false);
    expect(calls).toHaveLength(0);
  });

  it('wraps Vipps errors with cause, code and retryability', async () => {
    const { sut } = payments([problem(400, '6090')]);
    const err = await sut.capture(REF, 50000, `${REF}-capture`).catch((e) => e);
    expect(err).toBeInstanceOf(PaymentProviderError);
    expect(err).toMatchObject({ operation: 'capture', reference: REF, code: '6090', status: 400, retryable: false });
    expect(err.cause).toMatchObject({ name: 'VippsError', code: '6090' });
  });

  it('passes a rate limit\'s Retry-After on, so the job retries no sooner than Vipps asked', async () => {
    const { sut, calls } = payments([json(429, {}, { 'retry-after': '600' }), json(200, aPayment('AUTHORIZED'))]);
    const err = await sut.capture(REF, 21614, `${REF}-capture`).catch((e) => e);
    expect(err).toBeInstanceOf(PaymentProviderError);
    expect(err).toMatchObject({ operation: 'capture', status: 429, retryable: true, retryAfterMs: 600_000 });
    expect(calls).toHaveLength(2); // the token, then one capture: no second capture inside the minute
  });

  const receipt: Receipt = {
    lines: [
      { id: 'energy', name: 'Energy 23.418 kWh', totalOre: 20000, netOre: 16000, vatOre: 4000, vatRateBp: 2500, quantity: '23.418', unit: 'KWH', unitPriceOre: 854 },
      { id: 'start', name: 'Start fee', totalOre: 1614, netOre: 1291, vatOre: 323, vatRateBp: 2500 }
    ],
    posId: 'hub-1',
    receiptNumber: '42'
  };

  it('sendReceipt posts ECOM order lines with taxRate and unitInfo; a 409 is already-sent', async () => {
    const { sut, calls, body } = payments([json(201, 'id-1'), json(409, { title: 'Conflict', detail: 'exists', instance: 'x' })]);
    await expect(sut.sendReceipt(REF, receipt)).resolves.toBe('sent');
    expect(calls[1]).toMatchObject({ method: 'POST', url: `https://apitest.vipps.no/order-management/v2/ECOM/receipts/${REF}` });
    expect(body(1)).toEqual({
      orderLines: [
        { name: 'Energy 23.418 kWh', id: 'energy', totalAmount: 20000, totalAmountExcludingTax: 16000, totalTaxAmount: 4000, taxRate: 2500, unitInfo: { unitPrice: 854, quantity: '23.418', quantityUnit: 'KWH' } },
        { name: 'Start fee', id: 'start', totalAmount: 1614, totalAmountExcludingTax: 1291, totalTaxAmount: 323, taxRate: 2500 }
      ],
      bottomLine: { currency: 'NOK', posId: 'hub-1', receiptNumber: '42' }
    });
    await expect(sut.sendReceipt(REF, receipt)).resolves.toBe('already-sent');
  });

  it('sendReceipt refuses lines whose net and VAT do not add up', async () => {
    const { sut, calls } = payments([]);
    const bad = { lines: [{ ...receipt.lines[1], vatOre: 1 }] };
    await expect(sut.sendReceipt(REF, bad)).rejects.toThrow(/net 1291 \+ VAT 1 ≠ total 1614/);
    expect(calls).toHaveLength(0);
  });

  it('setReceiptLink puts category RECEIPT with the link', async () => {
    const { sut, calls, body } = payments([json(200, 'ok')]);
    await sut.setReceiptLink(REF, 'https://plugpay.example/s/42');
    expect(calls[1]).toMatchObject({ method: 'PUT', url: `https://apitest.vipps.no/order-management/v2/ECOM/categories/${REF}` });
    expect(body(1)).toEqual({ category: 'RECEIPT', orderDetailsUrl: 'https://plugpay.example/s/42' });
  });

  describe('ensureWebhook', () => {
    const URL_ = 'https://plugpay.example/webhooks/vipps';
    const EVENTS = ['epayments.payment.authorized.v1', 'epayments.payment.aborted.v1'];

    it('keeps an existing registration that covers the events (no secret: it is only given on creation)', async () => {
      const { sut, calls } = payments([json(200, { webhooks: [{ id: 'w-1', url: URL_, events: [...EVENTS, 'epayments.payment.expired.v1'] }] })]);
      await expect(sut.ensureWebhook(URL_, EVENTS)).resolves.toEqual({ id: 'w-1', secret: undefined });
      expect(calls).toHaveLength(2);
    });

    it('registers when missing and replaces a same-URL registration with fewer events', async () => {
      const { sut, calls, body } = payments([
        json(200, { webhooks: [{ id: 'w-old', url: URL_, events: [EVENTS[0]] }, { id: 'w-x', url: 'https://else.example/h', events: EVENTS }] }),
        json(201, { id: 'w-new', secret: 's3cret' }),
        new Response(null, { status: 204 })
      ]);
      await expect(sut.ensureWebhook(URL_, EVENTS)).resolves.toEqual({ id: 'w-new', secret: 's3cret' });
      expect(body(2)).toEqual({ url: URL_, events: EVENTS });
      expect(calls[3]).toMatchObject({ method: 'DELETE', url: 'https://apitest.vipps.no/webhooks/v1/webhooks/w-old' });
      expect(calls).toHaveLength(4);
    });
  });
});

describe('parseWebhookNotification', () => {
  const delivery = {
    msn: '123456',
    reference: REF,
    pspReference: 'psp-9',
    name: 'AUTHORIZED',
    amount: nok(35000),
    timestamp: '2024-05-01T12:00:00Z',
    idempotencyKey: null,
    success: true,
    captureGuaranteedUntil: '2024-05-08T12:00:00Z'
  };

  it('reads an ePayment WebhookEvent into plugpay words', () => {
    expect(parseWebhookNotification(delivery)).toEqual({
      reference: REF, pspReference: 'psp-9', name: 'AUTHORIZED', amountOre: 35000, success: true, timestamp: '2024-05-01T12:00:00Z'
    });
  });

  it.each([
    ['null', null],
    ['a string', 'AUTHORIZED'],
    ['an unknown event name', { ...delivery, name: 'PAID' }],
    ['a float amount', { ...delivery, amount: nok(10.5) }],
    ['a missing reference', { ...delivery, reference: undefined }]
  ])('returns null for %s', (_n, body) => {
    expect(parseWebhookNotification(body)).toBeNull();
  });
});
