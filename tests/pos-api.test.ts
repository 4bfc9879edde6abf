/**
 * The counter over real HTTP against the embedded Vipps MobilePay sandbox and a real database:
 * staff only; a basket pushed to a personal QR or a phone number with its receipt; captured in
 * full once approved; rejected, expired and cancelled requests capture nothing; refunds; the
 * day's totals per till with the VAT split; bad input changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueItemView, DayView, SaleView } from '../src/lib/shared/pos.js';
import { personalQrFor } from '../server/sim/vipps/qr.js';
import { silentLogger } from '../server/log.js';
import { csrfToken } from '../server/operators/csrf.js';
import { StaffAccounts } from '../server/operators/staff-accounts.js';
import { CSRF_HEADER, STAFF_COOKIE } from '../server/operators/staff-auth.js';
import { startTestPlugpay, type TestPlugpay } from './helpers/plugpay.js';

const TOKEN = 'counter-test-operator-token';
const PHONE = '4791234567';
let pp: TestPlugpay;
let coffee: CatalogueItemView;
let cable: CatalogueItemView;

/** One request, spaced like a person's (the API allows 30 a second per client). */
async function call(path: string, init: { method?: string; body?: unknown; auth?: boolean } = {}): Promise<Response> {
  await new Promise((r) => setTimeout(r, 40));
  return fetch(`${pp.url}/api/pos${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.auth === false ? {} : { authorization: `Bearer ${TOKEN}` }), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {})
  });
}
const json = async <T>(res: Response, status: number): Promise<T> => {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body as T;
};
const saleOf = async (id: string) => json<SaleView>(await call(`/sales/${id}`), 200);
const sell = (customer: unknown, lines = [{ itemId: coffee.id, quantity: 2 }, { itemId: cable.id, quantity: 1 }], tillId = 'till-1') =>
  call('/sales', { body: { tillId, customer, lines } });

/** Answers a pushed request in the sandbox app as the customer would: through its inbox page. */
async function answer(reference: string, action: 'approve' | 'reject') {
  const page = await (await fetch(`${pp.url}/sandbox/vipps/app/phone/${PHONE}`)).text();
  const m = new RegExp(`<form method="post" action="([^"]+)"[^>]*><input type="hidden" name="token" value="([^"]+)"><button id="${action}-${reference}"`).exec(page);
  if (!m) throw new Error(`no ${action} button for ${reference}`);
  const res = await fetch(m[1]!.replace(/&#38;/g, '&'), { method: 'POST', body: new URLSearchParams({ token: m[2]! }), redirect: 'manual' });
  expect(res.status).toBe(303);
}
/** Polls the sale as the cashier's page does (a few times a second, inside the API's rate limit). */
async function settled(id: string, state: SaleView['state']): Promise<SaleView> {
  const until = Date.now() + 15_000;
  for (;;) {
    const s = await saleOf(id);
    if (s.state === state) return s;
    if (Date.now() > until) throw new Error(`sale ${id} is ${s.state}, not ${state}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

beforeAll(async () => {
  pp = await startTestPlugpay({ OPERATOR_TOKEN: TOKEN, SIM_CHARGERS: 'false' });
  coffee = await json<CatalogueItemView>(await call('/catalogue', { body: { name: 'Coffee', priceOre: 4500, vatRateBp: 1500 } }), 201);
  cable = await json<CatalogueItemView>(await call('/catalogue', { body: { name: 'Type 2 cable', priceOre: 189900, vatRateBp: 2500 } }), 201);
}, 60_000);
afterAll(async () => pp?.stop());

describe('staff only', () => {
  it('refuses the API to anyone not signed in, and lets a cashier sell but not set prices', async () => {
    expect((await call('/catalogue', { auth: false })).status).toBe(403);
    expect((await call('/sales', { auth: false, body: { tillId: 't', customer: { phone: PHONE }, lines: [] } })).status).toBe(403);
    expect((await fetch(`${pp.url}/api/pos/me`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(403);

    const accounts = new StaffAccounts({ db: pp.db, clock: { now: () => new Date() }, logger: silentLogger });
    await accounts.add({ username: 'cashier-kari', password: 'a-cashier-password', displayName: 'Kari', role: 'cashier' });
    const signedIn = await accounts.signIn({ username: 'cashier-kari', password: 'a-cashier-password', client: '127.0.0.1' });
    if (!signedIn.ok) throw new Error('the cashier could not sign in');
    const cookie = `${STAFF_COOKIE}=${signedIn.token}`;
    const asCashier = (path: string, body?: unknown, csrf = true) =>
      fetch(`${pp.url}/api/pos${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          cookie,
          origin: pp.url,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(csrf ? { [CSRF_HEADER]: csrfToken(pp.config.secret, signedIn.token) } : {})
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {})
      });

    expect(await (await asCashier('/me')).json()).toEqual({ staff: true, name: 'Kari', role: 'cashier' });
    // A change made with the cookie must carry the page's CSRF token.
    expect((await asCashier('/customers/identify', { personalQr: personalQrFor(PHONE) }, false)).status).toBe(403);
    expect((await asCashier('/customers/identify', { personalQr: personalQrFor(PHONE) })).status).toBe(200);
    // The catalogue's prices are the operator's to set.
    expect((await asCashier('/catalogue', { name: 'Bun', priceOre: 3500, vatRateBp: 1500 })).status).toBe(403);
  });
});

describe('catalogue', () => {
  it('lists items, and refuses a float price or an unknown VAT rate', async () => {
    const items = await json<CatalogueItemView[]>(await call('/catalogue'), 200);
    expect(items.map((i) => i.name)).toEqual(['Coffee', 'Type 2 cable']);
    expect((await call('/catalogue', { body: { name: 'Bun', priceOre: 35.5, vatRateBp: 1500 } })).status).toBe(400);
    expect((await call('/catalogue', { body: { name: 'Bun', priceOre: 3500, vatRateBp: 1200 } })).status).toBe(400);
    expect((await json<CatalogueItemView[]>(await call('/catalogue'), 200)).length).toBe(2);
  });
});

describe('a sale to a personal QR', () => {
  it('shows the masked number, pushes the receipt, captures the full amount once approved', async () => {
    const qr = personalQrFor(PHONE);
    expect(await json(await call('/customers/identify', { body: { personalQr: qr } }), 200)).toEqual({ masked: '+47 •• •• 45 67' });
    const sale = await json<SaleView>(await sell({ personalQr: qr }), 201);
    expect(sale.state).toBe('waiting');
    expect(sale.customer).toBe('+47 •• •• 45 67');
    expect(sale.totalOre).toBe(198900);
    expect(sale.vat).toEqual([
      { vatRateBp: 2500, grossOre: 189900, netOre: 151920, vatOre: 37980 },
      { vatRateBp: 1500, grossOre: 9000, netOre: 7826, vatOre: 1174 }
    ]);
    // What Vipps got: PUSH_MESSAGE to the personal QR, customer present, the receipt with both rates.
    const p = Object.values(pp.sandbox!.state.payments).find((x) => x.reference === sale.reference)!;
    expect(p).toMatchObject({ userFlow: 'PUSH_MESSAGE', customer: { personalQr: qr }, customerInteraction: 'CUSTOMER_PRESENT' });
    expect(p.paymentDescription).toContain('till till-1');
    const order = pp.sandbox!.state.orders[`${p.msn}:ECOM:${sale.reference}`]!.initialReceipt as { orderLines: { taxRate: number; totalTaxAmount: number }[]; bottomLine: Record<string, string> };
    expect(order.orderLines.map((l) => [l.taxRate, l.totalTaxAmount])).toEqual([
      [1500, 1174],
      [2500, 37980]
    ]);
    expect(order.bottomLine).toMatchObject({ currency: 'NOK', posId: 'till-1', receiptNumber: String(sale.receiptNumber) });

    await answer(sale.reference, 'approve');
    const paid = await settled(sale.id, 'captured');
    expect(paid.capturedOre).toBe(198900);
    const vipps = await pp.sandboxPayment(sale.reference);
    expect(vipps.aggregate.capturedAmount.value).toBe(198900);
    expect(vipps.aggregate.authorizedAmount.value).toBe(198900);
    // Polling again does not capture twice.
    await saleOf(sale.id);
    const events = Object.values(pp.sandbox!.state.payments).find((x) => x.reference === sale.reference)!.events;
    expect(events.filter((e) => e.name === 'CAPTURED')).toHaveLength(1);
  });
});

describe('requests that are not paid capture nothing', () => {
  it('rejected in the app', async () => {
    const sale = await json<SaleView>(await sell({ phone: '912 34 567', country: 'NO' }), 201);
    expect(sale.customer).toBe('+47 •• •• 45 67');
    await answer(sale.reference, 'reject');
    await settled(sale.id, 'rejected');
    expect((await pp.sandboxPayment(sale.reference)).aggregate.capturedAmount.value).toBe(0);
  });

  it('expired', async () => {
    const sale = await json<SaleView>(await sell({ phone: PHONE, country: 'NO' }), 201);
    // The customer never answers: the sandbox's clock for this request runs out.
    const p = Object.values(pp.sandbox!.state.payments).find((x) => x.reference === sale.reference)!;
    p.expiresAt = new Date(Date.now() - 1000).toISOString();
    await settled(sale.id, 'expired');
    expect((await pp.sandboxPayment(sale.reference)).state).toBe('EXPIRED');
  });

  it('cancelled by the cashier while waiting; a second cancel is harmless; a late approval finds nothing to approve', async () => {
    const sale = await json<SaleView>(await sell({ phone: PHONE, country: 'NO' }), 201);
    expect((await json<SaleView>(await call(`/sales/${sale.id}/cancel`, { body: {} }), 200)).state).toBe('cancelled');
    expect((await json<SaleView>(await call(`/sales/${sale.id}/cancel`, { body: {} }), 200)).state).toBe('cancelled');
    expect((await pp.sandboxPayment(sale.reference)).state).toBe('TERMINATED');
    await expect(answer(sale.reference, 'approve')).rejects.toThrow(/no approve button/);
  });

  it('a paid sale cannot be cancelled', async () => {
    const sale = await json<SaleView>(await sell({ phone: PHONE, country: 'NO' }, [{ itemId: coffee.id, quantity: 1 }]), 201);
    await answer(sale.reference, 'approve');
    await settled(sale.id, 'captured');
    expect((await call(`/sales/${sale.id}/cancel`, { body: {} })).status).toBe(409);
  });
});

describe('refused requests', () => {
  it('a phone number outside NO/DK/FI never reaches Vipps', async () => {
    const before = Object.keys(pp.sandbox!.state.payments).length;
    const res = await sell({ phone: '+46 70 123 45 67', country: 'NO' });
    expect(res.status).toBe(400);
    expect((await res.json()).detail).toMatch(/Only Norwegian/);
    expect(Object.keys(pp.sandbox!.state.payments).length).toBe(before);
  });

  it('a code that is not a personal QR (4060) fails the sale with words for the cashier', async () => {
    const sale = await json<SaleView>(await sell({ personalQr: 'vipps-sandbox://personal-qr/12' }), 201);
    expect(sale.state).toBe('failed');
    expect(sale.problem).toMatch(/not a Vipps MobilePay personal QR/);
  });

  it('PUSH_MESSAGE not allowed for the sales unit (5080)', async () => {
    pp.sandbox!.faults.refusePushMessage();
    try {
      const sale = await json<SaleView>(await sell({ phone: PHONE, country: 'NO' }), 201);
      expect(sale.state).toBe('failed');
      expect(sale.problem).toMatch(/PUSH_MESSAGE is not enabled/);
    } finally {
      pp.sandbox!.faults.clear();
    }
  });

  it.each([
    ['not JSON', '{'],
    ['an empty basket', { tillId: 'till-1', customer: { phone: PHONE }, lines: [] }],
    ['an unknown item', { tillId: 'till-1', customer: { phone: PHONE }, lines: [{ itemId: 'nope', quantity: 1 }] }],
    ['a fractional quantity', { tillId: 'till-1', customer: { phone: PHONE }, lines: [{ itemId: 'coffee', quantity: 0.5 }] }],
    ['two customers at once', { tillId: 'till-1', customer: { phone: PHONE, personalQr: 'abcdefg' }, lines: [{ itemId: 'coffee', quantity: 1 }] }],
    ['a bad till', { tillId: 'till 1; drop', customer: { phone: PHONE }, lines: [{ itemId: 'coffee', quantity: 1 }] }]
  ])('%s → 400 and no sale', async (_n, body) => {
    const { rows: before } = await pp.db.query<{ n: number }>('select count(*)::int as n from pos_sales');
    const res = await call('/sales', { body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    const { rows: after } = await pp.db.query<{ n: number }>('select count(*)::int as n from pos_sales');
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});

describe('refunds and the day', () => {
  it('refunds part, then the rest; never more than was captured; the day shows the VAT split per till', async () => {
    const sale = await json<SaleView>(await sell({ phone: PHONE, country: 'NO' }, [{ itemId: coffee.id, quantity: 1 }, { itemId: cable.id, quantity: 1 }], 'till-2'), 201);
    await answer(sale.reference, 'approve');
    await settled(sale.id, 'captured');
    const part = await json<SaleView>(await call(`/sales/${sale.id}/refund`, { body: { amountOre: 4500 } }), 200);
    expect(part).toMatchObject({ state: 'partly_refunded', refundedOre: 4500 });
    expect((await call(`/sales/${sale.id}/refund`, { body: { amountOre: 189901 } })).status).toBe(409);
    expect((await call(`/sales/${sale.id}/refund`, { body: { amountOre: 1.5 } })).status).toBe(400);
    const rest = await json<SaleView>(await call(`/sales/${sale.id}/refund`, { body: { amountOre: 189900 } }), 200);
    expect(rest).toMatchObject({ state: 'refunded', refundedOre: 194400 });
    expect((await pp.sandboxPayment(sale.reference)).aggregate.refundedAmount.value).toBe(194400);

    const day = await json<DayView>(await call('/day'), 200);
    const t2 = day.tills.find((t) => t.tillId === 'till-2')!;
    expect(t2.salesCount).toBe(1);
    expect(t2.sales).toEqual([
      { vatRateBp: 2500, grossOre: 189900, netOre: 151920, vatOre: 37980 },
      { vatRateBp: 1500, grossOre: 4500, netOre: 3913, vatOre: 587 }
    ]);
    expect(t2.refundsCount).toBe(2);
    expect(t2.refundsTotal.grossOre).toBe(194400);
    expect(t2.takings).toEqual({ grossOre: 0, netOre: 0, vatOre: 0 });
    const t1 = day.tills.find((t) => t.tillId === 'till-1')!;
    expect(t1.salesCount).toBeGreaterThanOrEqual(2);
    expect((await call('/day?day=yesterday')).status).toBe(400);
  });
});

describe("the customer-facing scanner", () => {
  it("hands the code the customer scanned to the till's open basket, once", async () => {
    expect(await json(await call('/tills/till-3/scan'), 200)).toEqual({ scan: null });
    expect((await call('/tills/till-3/scan', { body: { content: personalQrFor(PHONE) } })).status).toBe(204);
    expect(await json(await call('/tills/till-3/scan'), 200)).toEqual({ scan: { personalQr: personalQrFor(PHONE) } });
    expect(await json(await call('/tills/till-3/scan'), 200)).toEqual({ scan: null });
    expect((await call('/tills/till-3/scan', { body: { content: 'abc' } })).status).toBe(400);
  });
});
