import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { personalQrFor } from './qr.js';
import type { VippsSandbox } from './sandbox.js';
import { aPayment, aSandbox, BASE, client, tokenFor } from './test-kit.js';

let sb: VippsSandbox;
let api: ReturnType<typeof client>;
let clock: Date;
beforeEach(async () => {
  clock = new Date('2025-01-01T10:00:00Z');
  sb = aSandbox({ now: () => clock, merchantName: 'Ladehub Kiosk' });
  api = client(sb, await tokenFor(sb));
});
afterEach(() => sb.close());

const PHONE = '4791234567';
const receipt = {
  orderLines: [
    { name: 'Coffee', id: '1-coffee', totalAmount: 9000, totalAmountExcludingTax: 7826, totalTaxAmount: 1174, taxRate: 1500, taxPercentage: 15, unitInfo: { unitPrice: 4500, quantity: '2', quantityUnit: 'PCS' } },
    { name: 'Type 2 cable', id: '2-cable', totalAmount: 189900, totalAmountExcludingTax: 151920, totalTaxAmount: 37980, taxRate: 2500, taxPercentage: 25 }
  ],
  bottomLine: { currency: 'NOK', posId: 'till-1', receiptNumber: '17' }
};
const push = (customer: Record<string, string>, over: Record<string, unknown> = {}) =>
  aPayment({ userFlow: 'PUSH_MESSAGE', returnUrl: undefined, customer, customerInteraction: 'CUSTOMER_PRESENT', amount: { currency: 'NOK', value: 198900 }, receipt, paymentDescription: 'Kiosk', ...over });

async function send(body: ReturnType<typeof push>) {
  return api.post('/epayment/v1/payments', body, `${body.reference}-c`);
}

function buttonForm(html: string, id: string): { action: string; token: string } {
  const m = new RegExp(`<form method="post" action="([^"]+)"[^>]*><input type="hidden" name="token" value="([^"]+)"><button id="${id}"`).exec(html);
  if (!m) throw new Error(`no form for ${id}`);
  return { action: m[1]!.replace(BASE, '').replace(/&#38;/g, '&'), token: m[2]! };
}

describe("a test user's app: personal QR and pushed requests", () => {
  it('shows the personal QR as an image and as text', async () => {
    const html = await (await sb.app.request(`/app/phone/${PHONE}`)).text();
    expect(html).toContain('<svg');
    expect(html).toContain(`<code id="personal-qr-content">${personalQrFor(PHONE)}</code>`);
    expect(html).toContain('No payment requests waiting.');
  });

  it('lists a request sent to the personal QR, with its receipt lines and VAT per rate, and approves it', async () => {
    const body = push({ personalQr: personalQrFor(PHONE) });
    const created = await send(body);
    expect(created.status).toBe(201);
    expect(created.body.redirectUrl).toBeUndefined();
    const html = await (await sb.app.request(`/app/phone/${PHONE}`)).text();
    expect(html).toContain(`data-reference="${body.reference}" data-state="CREATED"`);
    expect(html).toMatch(/Coffee × 2<\/td><td class="vat-rate">15 %/);
    expect(html).toMatch(/Type 2 cable<\/td><td class="vat-rate">25 %/);
    expect(html).toContain('data-vat-rate="2500">VAT 25 %: 379,80');
    expect(html).toContain('data-vat-rate="1500">VAT 15 %: 11,74');
    expect(html).toContain('Till till-1 · receipt 17');
    // Nobody else's phone sees it.
    expect(await (await sb.app.request('/app/phone/4798765432')).text()).not.toContain(body.reference);

    const f = buttonForm(html, `approve-${body.reference}`);
    const res = await sb.app.request(f.action, { method: 'POST', body: new URLSearchParams({ token: f.token }) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${BASE}/app/phone/${PHONE}`);
    expect((await api.get(`/epayment/v1/payments/${body.reference}`)).body.state).toBe('AUTHORIZED');
    const after = await (await sb.app.request(`/app/phone/${PHONE}`)).text();
    expect(after).toContain(`data-reference="${body.reference}" data-state="AUTHORIZED"`);
    expect(after).not.toContain(`id="approve-${body.reference}"`);
  });

  it('rejects a request sent to the phone number', async () => {
    const body = push({ phoneNumber: PHONE });
    await send(body);
    const f = buttonForm(await (await sb.app.request(`/app/phone/${PHONE}`)).text(), `reject-${body.reference}`);
    expect((await sb.app.request(f.action, { method: 'POST', body: new URLSearchParams({ token: f.token }) })).status).toBe(303);
    expect((await api.get(`/epayment/v1/payments/${body.reference}`)).body.state).toBe('ABORTED');
  });

  it('refuses a forged token, another phone, and a late answer', async () => {
    const body = push({ phoneNumber: PHONE });
    await send(body);
    const f = buttonForm(await (await sb.app.request(`/app/phone/${PHONE}`)).text(), `approve-${body.reference}`);
    expect((await sb.app.request(f.action, { method: 'POST', body: new URLSearchParams({ token: 'forged' }) })).status).toBe(404);
    const elsewhere = f.action.replace(PHONE, '4798765432');
    expect((await sb.app.request(elsewhere, { method: 'POST', body: new URLSearchParams({ token: f.token }) })).status).toBe(404);
    clock = new Date(clock.getTime() + 11 * 60 * 1000);
    expect((await sb.app.request(f.action, { method: 'POST', body: new URLSearchParams({ token: f.token }) })).status).toBe(409);
    expect((await api.get(`/epayment/v1/payments/${body.reference}`)).body.state).toBe('EXPIRED');
  });

  it('answers 404 for something that is not a phone number', async () => {
    expect((await sb.app.request('/app/phone/12<script>')).status).toBe(404);
  });
});

describe('documented PUSH_MESSAGE errors', () => {
  const codeOf = (body: { extraDetails?: { name: string; reason: string }[] }) => body.extraDetails?.find((d) => d.name === 'ErrorCode')?.reason;

  it.each([
    ['too short', 'abc'],
    ['a malformed sandbox personal code', 'vipps-sandbox://personal-qr/12'],
    ["the shop's own payment link", `${BASE}/app/payments/x`]
  ])('invalid personalQr (%s) → 4060', async (_n, personalQr) => {
    const r = await send(push({ personalQr }));
    expect(r.status).toBe(400);
    expect(codeOf(r.body)).toBe('4060');
  });

  it('invalid phone number → 4070', async () => {
    const r = await send(push({ phoneNumber: '+47 912' }));
    expect(r.status).toBe(400);
    expect(codeOf(r.body)).toBe('4070');
  });

  it('PUSH_MESSAGE not allowed for the sales unit → 5080, until the fault is cleared', async () => {
    sb.faults.refusePushMessage();
    const r = await send(push({ phoneNumber: PHONE }));
    expect(r.status).toBe(400);
    expect(codeOf(r.body)).toBe('5080');
    // Other flows still work.
    expect((await api.post('/epayment/v1/payments', aPayment(), 'web-1')).status).toBe(201);
    sb.faults.clear();
    expect((await send(push({ phoneNumber: PHONE }))).status).toBe(201);
  });

  it('the 5080 fault can be set over HTTP too', async () => {
    const set = await sb.app.request('/_sandbox/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'push-message', refuse: true }) });
    expect(set.status).toBe(201);
    expect(((await set.json()) as { pushMessageRefused: boolean }).pushMessageRefused).toBe(true);
    expect(codeOf((await send(push({ phoneNumber: PHONE }))).body)).toBe('5080');
  });
});
