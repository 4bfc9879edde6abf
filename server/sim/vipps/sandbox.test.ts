import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
