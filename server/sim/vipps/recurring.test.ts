import { afterEach, describe, expect, it } from 'vitest';
import type { VippsSandbox } from './sandbox.js';
import { aCharge, aVariableAgreement } from './recurring-test-kit.js';
import { aSandbox, BASE, client, tokenFor } from './test-kit.js';

const NOW = new Date('2026-12-01T09:00:00Z');
const DAY = 86_400_000;

describe('sandbox Recurring v3', () => {
  let sb: VippsSandbox;
  let events: Array<Record<string, unknown>>;
  afterEach(() => sb?.close());

  async function setup() {
    events = [];
    sb = aSandbox({
      now: () => NOW,
      fetch: (async (_u: string, init: RequestInit) => {
        events.push(JSON.parse(String(init.body)));
        return new Response(null, { status: 204 });
      }) as typeof fetch
    });
    const api = client(sb, await tokenFor(sb));
    const reg = await api.post('/webhooks/v1/webhooks', {
      url: 'http://127.0.0.1:9/hook',
      events: ['activated', 'rejected', 'stopped', 'expired'].map((e) => `recurring.agreement-${e}.v1`).concat(['reserved', 'captured', 'canceled', 'failed'].map((e) => `recurring.charge-${e}.v1`))
    });
    expect(reg.status).toBe(201);
    const patch = (path: string, body: unknown, key: string) => api.call('PATCH', path, body, { 'Idempotency-Key': key });
    const del = (path: string, key: string) => api.call('DELETE', path, undefined, { 'Idempotency-Key': key });
    return { api, patch, del };
  }

  async function activeAgreement(api: Awaited<ReturnType<typeof setup>>['api'], patch: Awaited<ReturnType<typeof setup>>['patch'], phone = '4791234567') {
    const d = await api.post('/recurring/v3/agreements', aVariableAgreement({ phoneNumber: phone }), `draft-${phone}-${Math.random().toString(36).slice(2, 8)}`);
    expect(d.status).toBe(201);
    const id = d.body.agreementId as string;
    expect((await patch(`/recurring/v3/agreements/${id}/accept`, { phoneNumber: phone }, `acc-${id}`)).status).toBe(204);
    return id;
  }

  it('drafts a VARIABLE daily agreement, PENDING, with a confirmation link to the app page', async () => {
    const { api } = await setup();
    const d = await api.post('/recurring/v3/agreements', aVariableAgreement(), 'draft-1');
    expect(d.status).toBe(201);
    expect(d.body.vippsConfirmationUrl).toMatch(new RegExp(`^${BASE}/app/agreements/${d.body.agreementId}\\?token=`));
    const a = await api.get(`/recurring/v3/agreements/${d.body.agreementId}`);
    expect(a.body).toMatchObject({ status: 'PENDING', pricing: { type: 'VARIABLE', suggestedMaxAmount: 150000 }, interval: { unit: 'DAY', count: 1, text: 'every day' } });
  });

  it.each([
    ['VARIABLE without suggestedMaxAmount', { pricing: { type: 'VARIABLE', currency: 'NOK' } }, 'pricing.suggestedMaxAmount'],
    ['suggestedMaxAmount above 20 000 kr', { pricing: { type: 'VARIABLE', currency: 'NOK', suggestedMaxAmount: 2_000_001 } }, 'pricing.suggestedMaxAmount'],
    ['interval count 32', { interval: { unit: 'DAY', count: 32 } }, 'interval.count'],
    ['productName of 46 characters', { productName: 'x'.repeat(46) }, 'productName'],
    ['plain http agreement URL', { merchantAgreementUrl: 'http://plugpay.example/member' }, 'merchantAgreementUrl'],
    ['EUR', { pricing: { type: 'VARIABLE', currency: 'EUR', suggestedMaxAmount: 1000 } }, 'pricing.currency']
  ])('refuses a draft: %s', async (_n, over, field) => {
    const { api } = await setup();
    const r = await api.post('/recurring/v3/agreements', aVariableAgreement(over), `bad-${field}`);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(r.body.extraDetails.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('needs an Idempotency-Key of at most 40 characters without /', async () => {
    const { api } = await setup();
    expect((await api.post('/recurring/v3/agreements', aVariableAgreement())).status).toBe(400);
    expect((await api.post('/recurring/v3/agreements', aVariableAgreement(), 'x'.repeat(41))).status).toBe(400);
    expect((await api.post('/recurring/v3/agreements', aVariableAgreement(), 'a/b')).status).toBe(400);
  });

  it('activation by force-accept sends agreement-activated; list filters by status (ACTIVE by default)', async () => {
    const { api, patch } = await setup();
    const id = await activeAgreement(api, patch);
    await sb.flushWebhooks();
    expect(events).toContainEqual(expect.objectContaining({ eventType: 'recurring.agreement-activated.v1', agreementId: id }));
    expect((await api.get('/recurring/v3/agreements')).body.map((a: { id: string }) => a.id)).toEqual([id]);
    expect((await api.get('/recurring/v3/agreements?status=PENDING')).body).toEqual([]);
    expect((await api.get('/recurring/v3/agreements?status=NOPE')).status).toBe(400);
  });

  it('creates a charge, replays the same key, and answers 409 when the key comes with a different body', async () => {
    const { api, patch } = await setup();
    const id = await activeAgreement(api, patch);
    const first = await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge(), 'member-1-2026-12-01');
    expect(first.status).toBe(201);
    expect(first.body.chargeId.length).toBeLessThanOrEqual(15);
    const again = await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge(), 'member-1-2026-12-01');
    expect(again.body).toEqual(first.body);
    const other = await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge({ amount: 999 }), 'member-1-2026-12-01');
    expect(other.status).toBe(409);
    expect((await api.get(`/recurring/v3/agreements/${id}/charges`)).body).toHaveLength(1);
  });

  it.each([
    ['due today', { due: '2026-12-01' }, 'due'],
    ['due not a date', { due: '1.12.2026' }, 'due'],
    ['retryDays 15', { retryDays: 15 }, 'retryDays'],
    ['amount below 1 kr', { amount: 99 }, 'amount'],
    ['amount above the limit', { amount: 150001 }, 'amount'],
    ['description of 46 characters', { description: 'x'.repeat(46) }, 'description']
  ])('refuses a charge: %s', async (_n, over, field) => {
    const { api, patch } = await setup();
    const id = await activeAgreement(api, patch);
    const r = await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge(over), `bad-${field}`);
    expect(r.status).toBe(400);
    expect(r.body.extraDetails.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('keeps one interval’s charges within the limit', async () => {
    const { api, patch } = await setup();
    const id = await activeAgreement(api, patch);
    expect((await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge({ amount: 100000 }), 'c1')).status).toBe(201);
    expect((await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge({ amount: 50001 }), 'c2')).status).toBe(400);
    expect((await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge({ amount: 50001, due: '2026-12-03' }), 'c3')).status).toBe(201);
  });

  it('refuses a charge on an agreement that is not active', async () => {
    const { api } = await setup();
    const d = await api.post('/recurring/v3/agreements', aVariableAgreement(), 'draft-p');
    const r = await api.post(`/recurring/v3/agreements/${d.body.agreementId}/charges`, aCharge(), 'c-pending');
    expect(r.status).toBe(400);
  });

  it('processes a DIRECT_CAPTURE charge when its day comes on the sandbox clock, with a webhook', async () => {
    const { api, patch } = await setup();
    const id = await activeAgreement(api, patch);
    const { body } = await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge(), 'c-day');
    const before = await api.get(`/recurring/v3/agreements/${id}/charges/${body.chargeId}`);
    expect(before.body.status).toBe('DUE');
    sb.advanceRecurringClock(DAY);
    const after = await api.get(`/recurring/v3/agreements/${id}/charges/${body.chargeId}`);
    expect(after.body).toMatchObject({ status: 'CHARGED', summary: { captured: 12345, refunded: 0, cancelled: 0 } });
    expect(after.body.history.map((h: { event: string }) => h.event)).toEqual(['CREATE', 'CAPTURE']);
    await sb.flushWebhooks();
    expect(events).toContainEqual(expect.objectContaining({ eventType: 'recurring.charge-captured.v1', chargeId: body.chargeId, amount: 12345 }));
    // refund part of it
    expect((await api.post(`/recurring/v3/agreements/${id}/charges/${body.chargeId}/refund`, { amount: 345, description: 'goodwill' }, 'r1')).status).toBe(204);
    expect((await api.get(`/recurring/v3/charges/${body.chargeId}`)).body).toMatchObject({ status: 'PARTIALLY_REFUNDED', summary: { refunded: 345 } });
  });

  it('a charge above the user’s maxAmount waits for them, then fails charge_amount_too_high after retryDays', async () => {
    const { api, patch } = await setup();
    const d = await api.post('/recurring/v3/agreements', aVariableAgreement(), 'draft-low');
    const id = d.body.agreementId as string;
    // The user accepts with a maximum of 500 kr in the app page.
    const tokenUrl = new URL(d.body.vippsConfirmationUrl);
    const form = new URLSearchParams({ token: tokenUrl.searchParams.get('token')!, phone: '4791234567', maxAmount: '500' });
    const acc = await sb.app.request(`/app/agreements/${id}/accept`, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(acc.status).toBe(303);
    expect((await api.get(`/recurring/v3/agreements/${id}`)).body.pricing).toMatchObject({ suggestedMaxAmount: 150000, maxAmount: 50000 });
    const { body } = await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge({ amount: 100000 }), 'c-high');
    sb.advanceRecurringClock(DAY);
    expect((await api.get(`/recurring/v3/agreements/${id}/charges/${body.chargeId}`)).body.status).toBe('DUE');
    sb.advanceRecurringClock(2 * DAY);
    expect((await api.get(`/recurring/v3/agreements/${id}/charges/${body.chargeId}`)).body).toMatchObject({ status: 'FAILED', failureReason: 'charge_amount_too_high' });
    void patch;
  });

  it('a user without funds fails user_action_required after the retries', async () => {
    const { api, patch } = await setup();
    const id = await activeAgreement(api, patch, '4790000000');
    const { body } = await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge(), 'c-poor');
    sb.advanceRecurringClock(3 * DAY);
    await sb.flushWebhooks();
    expect((await api.get(`/recurring/v3/agreements/${id}/charges/${body.chargeId}`)).body).toMatchObject({ status: 'FAILED', failureReason: 'user_action_required' });
    expect(events).toContainEqual(expect.objectContaining({ eventType: 'recurring.charge-failed.v1', chargeId: body.chargeId, failureReason: 'user_action_required' }));
  });

  it('PATCH STOPPED must come alone, cancels DUE charges, and cannot be undone', async () => {
    const { api, patch } = await setup();
    const id = await activeAgreement(api, patch);
    const { body } = await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge(), 'c-stop');
    expect((await patch(`/recurring/v3/agreements/${id}`, { status: 'STOPPED', productName: 'x' }, 'stop-bad')).status).toBe(400);
    expect((await patch(`/recurring/v3/agreements/${id}`, { status: 'STOPPED' }, 'stop-1')).status).toBe(204);
    expect((await api.get(`/recurring/v3/agreements/${id}`)).body.status).toBe('STOPPED');
    expect((await api.get(`/recurring/v3/agreements/${id}/charges/${body.chargeId}`)).body.status).toBe('CANCELLED');
    expect((await patch(`/recurring/v3/agreements/${id}`, { status: 'STOPPED' }, 'stop-2')).status).toBe(400);
    await sb.flushWebhooks();
    expect(events).toContainEqual(expect.objectContaining({ eventType: 'recurring.agreement-stopped.v1', agreementId: id, actor: 'MERCHANT' }));
  });

  it('PATCH changes suggestedMaxAmount on a VARIABLE agreement only', async () => {
    const { api, patch } = await setup();
    const id = await activeAgreement(api, patch);
    expect((await patch(`/recurring/v3/agreements/${id}`, { pricing: { suggestedMaxAmount: 300000 } }, 'p1')).status).toBe(204);
    expect((await api.get(`/recurring/v3/agreements/${id}`)).body.pricing.suggestedMaxAmount).toBe(300000);
    expect((await patch(`/recurring/v3/agreements/${id}`, { pricing: { amount: 1000 } }, 'p2')).status).toBe(400);
  });

  it('cancels a DUE charge; a charged one cannot be cancelled', async () => {
    const { api, patch, del } = await setup();
    const id = await activeAgreement(api, patch);
    const a = (await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge(), 'k-a')).body.chargeId;
    expect((await del(`/recurring/v3/agreements/${id}/charges/${a}`, 'del-a')).status).toBe(204);
    expect((await api.get(`/recurring/v3/agreements/${id}/charges/${a}`)).body).toMatchObject({ status: 'CANCELLED', summary: { cancelled: 12345 } });
    const b = (await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge({ due: '2026-12-03' }), 'k-b')).body.chargeId;
    sb.advanceRecurringClock(2 * DAY);
    expect((await del(`/recurring/v3/agreements/${id}/charges/${b}`, 'del-b')).status).toBe(400);
  });

  it('RESERVE_CAPTURE: reserved on the day, then captured in part', async () => {
    const { api, patch } = await setup();
    const id = await activeAgreement(api, patch);
    const c = (await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge({ transactionType: 'RESERVE_CAPTURE' }), 'k-r')).body.chargeId;
    sb.advanceRecurringClock(DAY);
    expect((await api.get(`/recurring/v3/agreements/${id}/charges/${c}`)).body.status).toBe('RESERVED');
    expect((await api.post(`/recurring/v3/agreements/${id}/charges/${c}/capture`, { amount: 20000, description: 'x' }, 'cap-too-much')).status).toBe(400);
    expect((await api.post(`/recurring/v3/agreements/${id}/charges/${c}/capture`, { amount: 10000, description: 'part' }, 'cap-1')).status).toBe(204);
    expect((await api.get(`/recurring/v3/agreements/${id}/charges/${c}`)).body.status).toBe('PARTIALLY_CAPTURED');
  });

  it('the app page lets the user stop an active agreement (actor USER)', async () => {
    const { api, patch } = await setup();
    const d = await api.post('/recurring/v3/agreements', aVariableAgreement(), 'draft-user-stop');
    const id = d.body.agreementId as string;
    await patch(`/recurring/v3/agreements/${id}/accept`, { phoneNumber: '4791234567' }, 'acc-user-stop');
    const token = new URL(d.body.vippsConfirmationUrl).searchParams.get('token')!;
    const pageRes = await sb.app.request(`/app/agreements/${id}?token=${token}`);
    expect(await pageRes.text()).toContain('id="stop"');
    const stop = await sb.app.request(`/app/agreements/${id}/stop`, { method: 'POST', body: new URLSearchParams({ token }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(stop.status).toBe(200);
    expect((await api.get(`/recurring/v3/agreements/${id}`)).body.status).toBe('STOPPED');
    await sb.flushWebhooks();
    expect(events).toContainEqual(expect.objectContaining({ eventType: 'recurring.agreement-stopped.v1', agreementId: id, actor: 'USER' }));
    expect((await sb.app.request(`/app/agreements/${id}?token=wrong`)).status).toBe(404);
  });

  it('a PENDING agreement expires after the approval window', async () => {
    let now = NOW;
    sb = aSandbox({ now: () => now, expiryMs: 60_000 });
    const api = client(sb, await tokenFor(sb));
    const d = await api.post('/recurring/v3/agreements', aVariableAgreement(), 'draft-exp');
    now = new Date(NOW.getTime() + 61_000);
    expect((await api.get(`/recurring/v3/agreements/${d.body.agreementId}`)).body.status).toBe('EXPIRED');
  });

  it('fault injection reaches Recurring too', async () => {
    const { api } = await setup();
    sb.faults.failNext({ status: 503, pathPrefix: '/recurring/v3/' });
    expect((await api.get('/recurring/v3/agreements')).status).toBe(503);
    expect((await api.get('/recurring/v3/agreements')).status).toBe(200);
  });
});
