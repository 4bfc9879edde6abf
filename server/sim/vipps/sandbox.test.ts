import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { aCharge, aVariableAgreement } from './recurring-test-kit.js';
import { createVippsSandbox, type VippsSandbox } from './sandbox.js';
import { MSN, aPayment, aSandbox, client, tokenFor } from './test-kit.js';

let sb: VippsSandbox | undefined;
afterEach(() => sb?.close());

describe('mounting', () => {
  it('works under a path prefix of a parent app, with links built from publicBaseUrl', async () => {
    sb = createVippsSandbox({ publicBaseUrl: 'http://localhost:3000/sandbox/vipps/' });
    const parent = new Hono();
    parent.route('/sandbox/vipps', sb.app);
    const tok = await parent.request('/sandbox/vipps/accesstoken/get', {
      method: 'POST',
      headers: { client_id: 'plugpay-sandbox', client_secret: 'plugpay-sandbox-secret', 'Ocp-Apim-Subscription-Key': 'plugpay-sandbox-key' },
    });
    const { access_token } = (await tok.json()) as { access_token: string };
    const headers = { Authorization: `Bearer ${access_token}`, 'Ocp-Apim-Subscription-Key': 'plugpay-sandbox-key', 'Merchant-Serial-Number': '123456', 'Idempotency-Key': 'm-1' };
    const res = await parent.request('/sandbox/vipps/epayment/v1/payments', {
      method: 'POST',
      headers,
      body: JSON.stringify({ amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference: 'mounted-001', userFlow: 'WEB_REDIRECT', returnUrl: 'http://localhost:3000/return' }),
    });
    expect(res.status).toBe(201);
    const { redirectUrl } = (await res.json()) as { redirectUrl: string };
    expect(redirectUrl.startsWith('http://localhost:3000/sandbox/vipps/app/payments/mounted-001?token=')).toBe(true);
    const page = await parent.request(redirectUrl.replace('http://localhost:3000', ''));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('action="http://localhost:3000/sandbox/vipps/app/payments/mounted-001/approve"');
    const missing = await parent.request('/sandbox/vipps/epayment/v1/payments/mounted-404', { headers });
    expect(((await missing.json()) as { instance: string }).instance).toBe('/sandbox/vipps/epayment/v1/payments/mounted-404');
  });

  it('close() is idempotent and stops the expiry timers', async () => {
    // Only the timers are faked, and the sandbox's clock is ours: the expiry timer of a payment
    // that is still waiting is the one thing that could change its state after close().
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let nowMs = Date.parse('2026-12-01T10:00:00Z');
      sb = aSandbox({ expiryMs: 60_000, now: () => new Date(nowMs) });
      const body = aPayment();
      const created = await client(sb, await tokenFor(sb)).post('/epayment/v1/payments', body, `${body.reference}-create`);
      expect(created.status).toBe(201);
      const payment = () => sb!.state.payments[`${MSN}:${body.reference}`]!;
      expect(payment().state).toBe('CREATED');

      await sb.close();
      await sb.close();
      nowMs += 10 * 60_000;
      vi.advanceTimersByTime(10 * 60_000);
      expect(payment().state).toBe('CREATED');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the injected clock', () => {
  it('dates payments, tokens and recurring charges on `now`, not on the host clock', async () => {
    // Years away from any day these tests run on, so whatever is read from the host clock shows.
    let nowMs = Date.parse('2031-03-12T11:00:00Z');
    sb = aSandbox({ expiryMs: 60_000, now: () => new Date(nowMs) });
    const token = await tokenFor(sb);
    const api = client(sb, token);

    const body = aPayment();
    expect((await api.post('/epayment/v1/payments', body, `${body.reference}-create`)).status).toBe(201);
    expect((await api.get(`/epayment/v1/payments/${body.reference}/events`)).body[0]).toMatchObject({ name: 'CREATED', timestamp: '2031-03-12T11:00:00.000Z' });

    // A charge is due one day to two years after the sandbox's day: tomorrow by the clock given.
    const d = await api.post('/recurring/v3/agreements', aVariableAgreement(), 'draft-clock');
    const id = d.body.agreementId as string;
    expect((await api.call('PATCH', `/recurring/v3/agreements/${id}/accept`, { phoneNumber: '4791234567' }, { 'Idempotency-Key': 'acc-clock' })).status).toBe(204);
    expect((await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge({ due: '2031-03-13' }), 'charge-clock')).status).toBe(201);

    // Two hours on: the payment has expired and the one-hour token with it, on the clock given only.
    nowMs += 2 * 3_600_000;
    expect((await api.get(`/epayment/v1/payments/${body.reference}`)).status).toBe(401);
    expect((await client(sb, await tokenFor(sb)).get(`/epayment/v1/payments/${body.reference}`)).body.state).toBe('EXPIRED');
  });
});
