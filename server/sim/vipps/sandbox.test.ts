import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { createVippsSandbox, type VippsSandbox } from './sandbox.js';

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
    sb = createVippsSandbox({ publicBaseUrl: 'http://127.0.0.1:1', expiryMs: 60_000 });
    await sb.close();
    await sb.close();
    expect(sb.state.payments).toEqual({});
  });
});
