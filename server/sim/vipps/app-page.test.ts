import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatKroner } from './app-page.js';
import type { VippsSandbox } from './sandbox.js';
import { aPayment, aSandbox, client, tokenFor } from './test-kit.js';

let sb: VippsSandbox;
let api: ReturnType<typeof client>;
let clock: Date;
beforeEach(async () => {
  clock = new Date('2025-01-01T10:00:00Z');
  sb = aSandbox({ now: () => clock, merchantName: 'Ladestasjon AS' });
  api = client(sb, await tokenFor(sb));
});
afterEach(() => sb.close());

/** The path of an absolute sandbox URL, for app.request(). */
const local = (url: string) => url.replace('http://localhost:3000/sandbox/vipps', '');

async function created(over: Record<string, unknown> = {}) {
  const body = aPayment(over);
  const r = await api.post('/epayment/v1/payments', body, `${body.reference}-c`);
  return { reference: body.reference as string, redirectUrl: r.body.redirectUrl as string };
}

function formOf(html: string, id: string): { action: string; token: string } {
  const m = new RegExp(`<form method="post" action="([^"]+)"[^>]*><input type="hidden" name="token" value="([^"]+)"><button id="${id}"`).exec(html);
  if (!m) throw new Error(`no form for ${id}`);
  return { action: m[1]!.replace(/&#38;/g, '&'), token: m[2]! };
}

describe('app page', () => {
  it('formats øre as kroner', () => {
    expect(formatKroner(35000, 'NOK')).toBe('350,00\u00a0kr');
    expect(formatKroner(123456789, 'NOK')).toBe('1\u00a0234\u00a0567,89\u00a0kr');
    expect(formatKroner(5, 'EUR')).toBe('0,05\u00a0EUR');
  });

  it('shows merchant, amount, description and the two buttons', async () => {
    const p = await created();
    const res = await sb.app.request(local(p.redirectUrl));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Ladestasjon AS');
    expect(html).toContain('350,00&#160;kr'.replace('&#160;', '\u00a0'));
    expect(html).toContain('Charging at Sandvika 3');
    expect(html).toContain('id="approve"');
    expect(html).toContain('id="reject"');
  });

  it('approve authorizes and redirects (303) to returnUrl', async () => {
    const p = await created();
    const html = await (await sb.app.request(local(p.redirectUrl))).text();
    const f = formOf(html, 'approve');
    const res = await sb.app.request(local(f.action), { method: 'POST', body: new URLSearchParams({ token: f.token }) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://plugpay.example/return');
    expect((await api.get(`/epayment/v1/payments/${p.reference}`)).body.state).toBe('AUTHORIZED');
  });

  it('reject aborts and redirects', async () => {
    const p = await created();
    const f = formOf(await (await sb.app.request(local(p.redirectUrl))).text(), 'reject');
    const res = await sb.app.request(local(f.action), { method: 'POST', body: new URLSearchParams({ token: f.token }) });
    expect(res.status).toBe(303);
    expect((await api.get(`/epayment/v1/payments/${p.reference}`)).body.state).toBe('ABORTED');
  });

  it('says so when the payment has expired, and refuses a late approval', async () => {
    const p = await created();
    const f = formOf(await (await sb.app.request(local(p.redirectUrl))).text(), 'approve');
    clock = new Date(clock.getTime() + 11 * 60 * 1000);
    const html = await (await sb.app.request(local(p.redirectUrl))).text();
    expect(html).toContain('This payment has expired.');
    expect(html).not.toContain('id="approve"');
    const res = await sb.app.request(local(f.action), { method: 'POST', body: new URLSearchParams({ token: f.token }) });
    expect(res.status).toBe(409);
    expect((await api.get(`/epayment/v1/payments/${p.reference}`)).body.state).toBe('EXPIRED');
  });

  it('refuses a wrong token', async () => {
    const p = await created();
    const res = await sb.app.request(`/app/payments/${p.reference}/approve`, { method: 'POST', body: new URLSearchParams({ token: 'forged' }) });
    expect(res.status).toBe(404);
    expect((await api.get(`/epayment/v1/payments/${p.reference}`)).body.state).toBe('CREATED');
  });

  it('lists pending PUSH_MESSAGE payments for a phone', async () => {
    await created({ userFlow: 'PUSH_MESSAGE', returnUrl: undefined, customer: { phoneNumber: '4791234567' }, paymentDescription: 'Kiosk coffee' });
    const html = await (await sb.app.request('/app?phone=4791234567')).text();
    expect(html).toContain('Kiosk coffee');
    expect(await (await sb.app.request('/app?phone=4700000000')).text()).toContain('No payment requests waiting.');
  });
});
