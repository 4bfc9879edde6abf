import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VippsSandbox } from './sandbox.js';
import { aPayment, aSandbox, anAuthorizedPayment, client, tokenFor } from './test-kit.js';

let sb: VippsSandbox;
let api: ReturnType<typeof client>;
let clock: Date;

beforeEach(async () => {
  clock = new Date('2025-01-01T10:00:00Z');
  sb = aSandbox({ now: () => clock });
  api = client(sb, await tokenFor(sb));
});
afterEach(() => sb.close());

const code = (r: { body: any }) => r.body?.extraDetails?.find((d: { name: string }) => d.name === 'ErrorCode')?.reason;

describe('access token', () => {
  it('issues a Bearer token with string numeric fields', async () => {
    const res = await sb.app.request('/accesstoken/get', {
      method: 'POST',
      headers: { client_id: 'plugpay-sandbox', client_secret: 'plugpay-sandbox-secret', 'Ocp-Apim-Subscription-Key': 'plugpay-sandbox-key' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const b = (await res.json()) as Record<string, string>;
    expect(b.token_type).toBe('Bearer');
    expect(b.expires_in).toBe('3600');
    expect(typeof b.expires_on).toBe('string');
    expect(Number(b.expires_on) - Number(b.not_before)).toBe(3600);
  });

  it('refuses wrong credentials with 401 and missing ones with 400', async () => {
    const wrong = await sb.app.request('/accesstoken/get', { method: 'POST', headers: { client_id: 'x', client_secret: 'y', 'Ocp-Apim-Subscription-Key': 'plugpay-sandbox-key' } });
    expect(wrong.status).toBe(401);
    const missing = await sb.app.request('/accesstoken/get', { method: 'POST', headers: { client_id: 'plugpay-sandbox' } });
    expect(missing.status).toBe(400);
  });

  it('guards the APIs: no Bearer word, unknown token, wrong key, expired token → 401', async () => {
    const token = await tokenFor(sb);
    const h = { 'Ocp-Apim-Subscription-Key': 'plugpay-sandbox-key', 'Merchant-Serial-Number': '123456' };
    const path = '/epayment/v1/payments/abcdefgh123';
    expect((await sb.app.request(path, { headers: { ...h, Authorization: token } })).status).toBe(401);
    expect((await sb.app.request(path, { headers: { ...h, Authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await sb.app.request(path, { headers: { ...h, 'Ocp-Apim-Subscription-Key': 'bad', Authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await sb.app.request(path, { headers: { ...h, Authorization: `Bearer ${token}` } })).status).toBe(404);
    clock = new Date(clock.getTime() + 3601_000);
    expect((await sb.app.request(path, { headers: { ...h, Authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('requires Merchant-Serial-Number on ePayment and refuses a foreign one', async () => {
    const missing = await api.get('/epayment/v1/payments/abcdefgh123', { 'Merchant-Serial-Number': '' });
    expect(missing.status).toBe(400);
    const foreign = await api.get('/epayment/v1/payments/abcdefgh123', { 'Merchant-Serial-Number': '999999' });
    expect(foreign.status).toBe(403);
  });
});

describe('create', () => {
  it('creates a WEB_REDIRECT payment with a redirectUrl to the app page', async () => {
    const body = aPayment();
    const r = await api.post('/epayment/v1/payments', body, 'k-1');
    expect(r.status).toBe(201);
    expect(r.body.reference).toBe(body.reference);
    expect(r.body.redirectUrl).toMatch(new RegExp(`^http://localhost:3000/sandbox/vipps/app/payments/${body.reference}\\?token=`));
    const got = await api.get(`/epayment/v1/payments/${body.reference}`);
    expect(got.body.state).toBe('CREATED');
    expect(got.body.aggregate.authorizedAmount).toEqual({ currency: 'NOK', value: 0 });
  });

  it.each([
    ['bad reference', { reference: 'short' }, 400, undefined],
    ['non-integer amount', { amount: { currency: 'NOK', value: 100.5 } }, 400, '4040'],
    ['amount below 1 kr', { amount: { currency: 'NOK', value: 99 } }, 400, '6010'],
    ['amount above the limit', { amount: { currency: 'NOK', value: 65_000_001 } }, 400, undefined],
    ['currency of another market', { amount: { currency: 'EUR', value: 1000 } }, 400, '5040'],
    ['WEB_REDIRECT without returnUrl', { returnUrl: undefined }, 400, '4140'],
    ['http returnUrl on a public host', { returnUrl: 'http://plugpay.example/r' }, 400, '4090'],
    ['PUSH_MESSAGE without customer', { userFlow: 'PUSH_MESSAGE', returnUrl: undefined }, 400, '4140'],
    ['customer with two identities', { userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: '4791234567', personalQr: 'abcdef' } }, 400, undefined],
    ['bad phone number', { userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: '+47 912' } }, 400, '4070'],
    ['CARD outside WEB_REDIRECT', { userFlow: 'NATIVE_REDIRECT', paymentMethod: { type: 'CARD' } }, 400, undefined],
    ['six metadata pairs', { metadata: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } }, 400, '4100'],
    ['paymentDescription too short', { paymentDescription: 'ab' }, 400, '4140'],
    ['expiresAt on WEB_REDIRECT', { expiresAt: '2025-01-02T10:00:00Z' }, 400, undefined],
    ['unknown userFlow', { userFlow: 'SMOKE_SIGNAL' }, 400, '4140'],
  ])('refuses %s', async (_name, over, status, errorCode) => {
    const body = aPayment(over as Record<string, unknown>);
    const r = await api.post('/epayment/v1/payments', body, `k-${body.reference}`);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(r.body.instance).toBe('/epayment/v1/payments');
    expect(typeof r.body.traceId).toBe('string');
    if (errorCode) expect(code(r)).toBe(errorCode);
    expect(Object.keys(sb.state.payments)).toHaveLength(0);
  });

  it('refuses a body that is not JSON and one without Idempotency-Key', async () => {
    expect((await api.post('/epayment/v1/payments', '{nope', 'k-bad')).status).toBe(400);
    const r = await api.post('/epayment/v1/payments', aPayment());
    expect(r.status).toBe(400);
    expect(code(r)).toBe('4140');
  });

  it('accepts PUSH_MESSAGE with a phone number and gives no redirectUrl', async () => {
    const body = aPayment({ userFlow: 'PUSH_MESSAGE', returnUrl: undefined, customer: { phoneNumber: '4791234567' }, customerInteraction: 'CUSTOMER_PRESENT' });
    const r = await api.post('/epayment/v1/payments', body, 'k-push');
    expect(r.status).toBe(201);
    expect(r.body.redirectUrl).toBeUndefined();
  });

  it('replays the same key + body, refuses the same key + other body (409, 4020), and a reused reference (409, 4150)', async () => {
    const body = aPayment();
    const first = await api.post('/epayment/v1/payments', body, 'same-key');
    const again = await api.post('/epayment/v1/payments', body, 'same-key');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const other = await api.post('/epayment/v1/payments', { ...body, paymentDescription: 'other text' }, 'same-key');
    expect(other.status).toBe(409);
    expect(code(other)).toBe('4020');
    const reused = await api.post('/epayment/v1/payments', body, 'new-key');
    expect(reused.status).toBe(409);
    expect(code(reused)).toBe('4150');
    expect(sb.state.payments[`123456:${body.reference}`]!.events).toHaveLength(1);
  });

  it('replays a 4xx for the same key and body', async () => {
    const body = aPayment({ amount: { currency: 'NOK', value: 5 } });
    const a = await api.post('/epayment/v1/payments', body, 'bad-once');
    const b = await api.post('/epayment/v1/payments', body, 'bad-once');
    expect(a.status).toBe(400);
    expect(b.body).toEqual(a.body);
  });

  it('returns 404 with code 5090 for an unknown reference', async () => {
    const r = await api.get('/epayment/v1/payments/unknown-ref-1');
    expect(r.status).toBe(404);
    expect(code(r)).toBe('5090');
  });
});

describe('capture, cancel, refund', () => {
  it('runs the EV flow: partial capture then cancel the rest', async () => {
    const ref = await anAuthorizedPayment(api);
    const cap = await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 21614 } }, `${ref}-capture`);
    expect(cap.status).toBe(200);
    expect(cap.body.aggregate.capturedAmount.value).toBe(21614);
    expect(cap.body.state).toBe('AUTHORIZED');
    const can = await api.post(`/epayment/v1/payments/${ref}/cancel`, undefined, `${ref}-cancel`);
    expect(can.status).toBe(200);
    expect(can.body.aggregate).toEqual({
      authorizedAmount: { currency: 'NOK', value: 35000 },
      cancelledAmount: { currency: 'NOK', value: 13386 },
      capturedAmount: { currency: 'NOK', value: 21614 },
      refundedAmount: { currency: 'NOK', value: 0 },
    });
    expect(can.body.state).toBe('AUTHORIZED');
    const events = await api.get(`/epayment/v1/payments/${ref}/events`);
    expect(events.body.map((e: { name: string }) => e.name)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED', 'CANCELLED']);
    expect(events.body[2].idempotencyKey).toBe(`${ref}-capture`);
    expect(events.body[1].idempotencyKey).toBeUndefined();
    // after cancel, no more capture (6070)
    const late = await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 1 } }, `${ref}-capture-2`);
    expect(code(late)).toBe('6070');
  });

  it('refuses capture before authorization (6080) and above the authorized amount (6090)', async () => {
    const body = aPayment();
    await api.post('/epayment/v1/payments', body, 'c1');
    const early = await api.post(`/epayment/v1/payments/${body.reference}/capture`, { modificationAmount: { currency: 'NOK', value: 100 } }, 'c2');
    expect(code(early)).toBe('6080');
    const ref = await anAuthorizedPayment(api);
    const over = await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 35001 } }, 'c3');
    expect(code(over)).toBe('6090');
    expect(sb.state.payments[`123456:${ref}`]!.captured).toBe(0);
  });

  it('capture idempotency: replay, and 409 with 4010 for a different amount under the same key', async () => {
    const ref = await anAuthorizedPayment(api);
    const a = await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 1000 } }, 'cap');
    const b = await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 1000 } }, 'cap');
    expect(b.body).toEqual(a.body);
    expect(sb.state.payments[`123456:${ref}`]!.captured).toBe(1000);
    const c = await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 2000 } }, 'cap');
    expect(c.status).toBe(409);
    expect(code(c)).toBe('4010');
  });

  it('cancel before authorization terminates (authorized 0, cancelled = amount)', async () => {
    const body = aPayment();
    await api.post('/epayment/v1/payments', body, 't1');
    const r = await api.post(`/epayment/v1/payments/${body.reference}/cancel`, {}, 't2');
    expect(r.body.state).toBe('TERMINATED');
    expect(r.body.aggregate.authorizedAmount.value).toBe(0);
    expect(r.body.aggregate.cancelledAmount.value).toBe(35000);
  });

  it('cancelTransactionOnly on an authorized payment is 6060 and changes nothing', async () => {
    const ref = await anAuthorizedPayment(api);
    const r = await api.post(`/epayment/v1/payments/${ref}/cancel`, { cancelTransactionOnly: true }, 'x1');
    expect(code(r)).toBe('6060');
    expect(sb.state.payments[`123456:${ref}`]!.cancelled).toBe(0);
  });

  it('cancel of a fully captured payment is 6040', async () => {
    const ref = await anAuthorizedPayment(api);
    await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 35000 } }, 'f1');
    const r = await api.post(`/epayment/v1/payments/${ref}/cancel`, undefined, 'f2');
    expect(code(r)).toBe('6040');
  });

  it('refund: up to the captured amount (6150 beyond), 6020 before a reservation, 4150 on key conflict', async () => {
    const body = aPayment();
    await api.post('/epayment/v1/payments', body, 'r0');
    expect(code(await api.post(`/epayment/v1/payments/${body.reference}/refund`, { modificationAmount: { currency: 'NOK', value: 100 } }, 'r1'))).toBe('6020');
    const ref = await anAuthorizedPayment(api);
    await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 5000 } }, 'r2');
    const ok = await api.post(`/epayment/v1/payments/${ref}/refund`, { modificationAmount: { currency: 'NOK', value: 3000 } }, 'r3');
    expect(ok.body.aggregate.refundedAmount.value).toBe(3000);
    expect(code(await api.post(`/epayment/v1/payments/${ref}/refund`, { modificationAmount: { currency: 'NOK', value: 2001 } }, 'r4'))).toBe('6150');
    expect(code(await api.post(`/epayment/v1/payments/${ref}/refund`, { modificationAmount: { currency: 'NOK', value: 1 } }, 'r3'))).toBe('4150');
  });

  it('refuses a modification with a bad body and changes nothing', async () => {
    const ref = await anAuthorizedPayment(api);
    const r = await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: '100' } }, 'b1');
    expect(r.status).toBe(400);
    expect(code(r)).toBe('4040');
    expect((await api.post(`/epayment/v1/payments/${ref}/capture`, { amount: 100 }, 'b2')).status).toBe(400);
    expect(sb.state.payments[`123456:${ref}`]!.captured).toBe(0);
  });
});

describe('expiry and force approve', () => {
  it('expires a CREATED payment after expiryMs (lazy on read) and then refuses approval', async () => {
    const body = aPayment();
    await api.post('/epayment/v1/payments', body, 'e1');
    clock = new Date(clock.getTime() + 10 * 60 * 1000 + 1);
    const got = await api.get(`/epayment/v1/payments/${body.reference}`);
    expect(got.body.state).toBe('EXPIRED');
    const late = await api.post(`/epayment/v1/test/payments/${body.reference}/approve`, {});
    expect(late.status).toBe(400);
  });

  it('force approve checks the token from the redirectUrl when given', async () => {
    const body = aPayment();
    const created = await api.post('/epayment/v1/payments', body, 'fa1');
    const token = new URL(created.body.redirectUrl).searchParams.get('token');
    expect((await api.post(`/epayment/v1/test/payments/${body.reference}/approve`, { token: 'wrong' })).status).toBe(400);
    expect((await api.post(`/epayment/v1/test/payments/${body.reference}/approve`, { token })).status).toBe(200);
    expect((await api.get(`/epayment/v1/payments/${body.reference}`)).body.state).toBe('AUTHORIZED');
  });
});
