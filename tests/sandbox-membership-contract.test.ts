/**
 * The sandbox's Recurring v3, Login and Userinfo exchanges validated against the official
 * documents (recurring-v3.yaml, login.yaml, userinfo.yaml), as sandbox-contract.test.ts does for
 * ePayment. No skipping: without ../shared/vipps/openapi, loadSpec throws and says where it looked.
 *
 * Where the documents contradict themselves we chose (and filter here):
 * - REC `ChargeResponseV3.transactionId` has the pattern `^\d{10+}$`, which is not a valid
 *   quantifier: no digit string can match it. The sandbox sends ten digits, as the example does.
 * - LOG `OauthTokenResponse.id_token` is typed `integer`, while an ID token is a JWT string
 *   (OIDC Core §3.1.3.3, and LOG's own example). The sandbox sends the JWT.
 * - UI `Userinfo.phone_number` has the pattern `^\d{15}$` (exactly fifteen digits), while its own
 *   example and every Norwegian MSISDN (`4791234567`) have ten. The sandbox sends MSISDNs.
 * - LOG documents only 401 and 500 for the token endpoint; RFC 6749 §5.2 errors (400
 *   `invalid_grant`) are checked against the same `ErrorResponse` schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aCharge, aVariableAgreement } from '../server/sim/vipps/recurring-test-kit.js';
import type { VippsSandbox } from '../server/sim/vipps/sandbox.js';
import { aSandbox, client, tokenFor } from '../server/sim/vipps/test-kit.js';
import { TEST_USERS } from '../server/sim/vipps/test-users.js';
import { loadSpec, validateComponent, validateRequestBody, validateResponse, type Spec } from './helpers/openapi.js';

const NOW = new Date('2026-12-01T09:00:00Z');
const DEFECTS = [/transactionId must match pattern "\^\\d\{10\+\}\$"/, /id_token must be integer/, /phone_number must match pattern "\^\\d\{15\}\$"/];
const withoutSpecDefects = (errors: string[]) => errors.filter((e) => !DEFECTS.some((d) => d.test(e)));

describe('sandbox contract: Recurring v3, Login, Userinfo (official OpenAPI documents)', () => {
  let sb: VippsSandbox;
  let api: ReturnType<typeof client>;
  let rec: Spec, login: Spec, ui: Spec;
  const patch = (path: string, body: unknown, key: string) => api.call('PATCH', path, body, { 'Idempotency-Key': key });

  beforeAll(async () => {
    sb = aSandbox({ now: () => NOW });
    api = client(sb, await tokenFor(sb));
    rec = loadSpec('recurring-v3.yaml');
    login = loadSpec('login.yaml');
    ui = loadSpec('userinfo.yaml');
  });
  afterAll(() => sb.close());

  it('the documented defects are still there (else drop the filter)', () => {
    expect(validateComponent(rec, 'ChargeResponseV3', { transactionId: '5001419121' }).join()).toContain('^\\d{10+}$');
    expect(validateComponent(login, 'OauthTokenResponse', { id_token: 'a.b.c' }).join()).toContain('must be integer');
    expect(validateComponent(ui, 'Userinfo', { sub: 'x', phone_number: '4791234567' }).join()).toContain('^\\d{15}$');
  });

  it('agreements: draft, get, list, patch, force-accept and errors', async () => {
    const draft = aVariableAgreement();
    expect(validateRequestBody(rec, 'POST', '/recurring/v3/agreements', draft)).toEqual([]);
    const d = await api.post('/recurring/v3/agreements', draft, 'ct-draft');
    expect(validateResponse(rec, 'POST', '/recurring/v3/agreements', d.status, d.body)).toEqual([]);
    const id = d.body.agreementId;
    const pending = await api.get(`/recurring/v3/agreements/${id}`);
    expect(validateResponse(rec, 'GET', `/recurring/v3/agreements/${id}`, pending.status, pending.body)).toEqual([]);
    const accept = { phoneNumber: TEST_USERS[0]!.phoneNumber };
    expect(validateRequestBody(rec, 'PATCH', `/recurring/v3/agreements/${id}/accept`, accept)).toEqual([]);
    const acc = await patch(`/recurring/v3/agreements/${id}/accept`, accept, 'ct-accept');
    expect(acc.status).toBe(204);
    const change = { pricing: { suggestedMaxAmount: 200000 } };
    expect(validateRequestBody(rec, 'PATCH', `/recurring/v3/agreements/${id}`, change)).toEqual([]);
    expect((await patch(`/recurring/v3/agreements/${id}`, change, 'ct-patch')).status).toBe(204);
    const list = await api.get('/recurring/v3/agreements?status=ACTIVE');
    expect(list.body.length).toBeGreaterThan(0);
    expect(validateResponse(rec, 'GET', '/recurring/v3/agreements', list.status, list.body)).toEqual([]);
    const bad = await api.post('/recurring/v3/agreements', aVariableAgreement({ productName: 'x'.repeat(46) }), 'ct-bad');
    expect(bad.status).toBe(400);
    expect(validateResponse(rec, 'POST', '/recurring/v3/agreements', bad.status, bad.body, bad.headers.get('content-type')!)).toEqual([]);
    const missing = await api.get('/recurring/v3/agreements/agr_nope');
    expect(validateResponse(rec, 'GET', '/recurring/v3/agreements/agr_nope', missing.status, missing.body, missing.headers.get('content-type')!)).toEqual([]);
    const stop = { status: 'STOPPED' };
    expect(validateRequestBody(rec, 'PATCH', `/recurring/v3/agreements/${id}`, stop)).toEqual([]);
    expect((await patch(`/recurring/v3/agreements/${id}`, stop, 'ct-stop')).status).toBe(204);
    const stopped = await api.get(`/recurring/v3/agreements/${id}`);
    expect(stopped.body.status).toBe('STOPPED');
    expect(validateResponse(rec, 'GET', `/recurring/v3/agreements/${id}`, stopped.status, stopped.body)).toEqual([]);
    const unauth = await sb.app.request('/recurring/v3/agreements', { headers: { 'Ocp-Apim-Subscription-Key': 'plugpay-sandbox-key' } });
    expect(unauth.status).toBe(401);
    expect(validateResponse(rec, 'GET', '/recurring/v3/agreements', 401, await unauth.json())).toEqual([]);
  });

  it('charges: create, get, list, get by id, cancel, capture, refund and errors', async () => {
    const d = await api.post('/recurring/v3/agreements', aVariableAgreement(), 'ct-draft-2');
    const id = d.body.agreementId;
    await patch(`/recurring/v3/agreements/${id}/accept`, { phoneNumber: TEST_USERS[1]!.phoneNumber }, 'ct-accept-2');
    const body = aCharge();
    expect(validateRequestBody(rec, 'POST', `/recurring/v3/agreements/${id}/charges`, body)).toEqual([]);
    const created = await api.post(`/recurring/v3/agreements/${id}/charges`, body, 'ct-charge');
    expect(validateResponse(rec, 'POST', `/recurring/v3/agreements/${id}/charges`, created.status, created.body)).toEqual([]);
    const chargeId = created.body.chargeId;
    const reserve = await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge({ transactionType: 'RESERVE_CAPTURE', amount: 20000 }), 'ct-charge-r');
    const conflict = await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge({ amount: 555 }), 'ct-charge');
    expect(conflict.status).toBe(409);
    expect(validateResponse(rec, 'POST', `/recurring/v3/agreements/${id}/charges`, conflict.status, conflict.body, conflict.headers.get('content-type')!)).toEqual([]);
    sb.advanceRecurringClock(86_400_000);
    const got = await api.get(`/recurring/v3/agreements/${id}/charges/${chargeId}`);
    expect(got.body.status).toBe('CHARGED');
    expect(withoutSpecDefects(validateResponse(rec, 'GET', `/recurring/v3/agreements/${id}/charges/${chargeId}`, got.status, got.body))).toEqual([]);
    const byId = await api.get(`/recurring/v3/charges/${chargeId}`);
    expect(withoutSpecDefects(validateResponse(rec, 'GET', `/recurring/v3/charges/${chargeId}`, byId.status, byId.body))).toEqual([]);
    const refund = { amount: 1000, description: 'goodwill' };
    expect(validateRequestBody(rec, 'POST', `/recurring/v3/agreements/${id}/charges/${chargeId}/refund`, refund)).toEqual([]);
    expect((await api.post(`/recurring/v3/agreements/${id}/charges/${chargeId}/refund`, refund, 'ct-refund')).status).toBe(204);
    const rid = reserve.body.chargeId;
    const capture = { amount: 15000, description: 'what was used' };
    expect(validateRequestBody(rec, 'POST', `/recurring/v3/agreements/${id}/charges/${rid}/capture`, capture)).toEqual([]);
    expect((await api.post(`/recurring/v3/agreements/${id}/charges/${rid}/capture`, capture, 'ct-capture')).status).toBe(204);
    expect((await api.call('DELETE', `/recurring/v3/agreements/${id}/charges/${rid}`, undefined, { 'Idempotency-Key': 'ct-cancel' })).status).toBe(204);
    const list = await api.get(`/recurring/v3/agreements/${id}/charges`);
    expect(list.body.map((c: { status: string }) => c.status).sort()).toEqual(['CHARGED', 'PARTIALLY_REFUNDED']);
    expect(withoutSpecDefects(validateResponse(rec, 'GET', `/recurring/v3/agreements/${id}/charges`, list.status, list.body))).toEqual([]);
    const tooEarly = await api.post(`/recurring/v3/agreements/${id}/charges`, aCharge({ due: '2026-12-01' }), 'ct-early');
    expect(tooEarly.status).toBe(400);
    expect(validateResponse(rec, 'POST', `/recurring/v3/agreements/${id}/charges`, tooEarly.status, tooEarly.body, tooEarly.headers.get('content-type')!)).toEqual([]);
  });

  it('Login discovery, JWKS, token (200 and errors) and userinfo', async () => {
    const base = '/access-management-1.0/access';
    const wk = await sb.app.request(`${base}/.well-known/openid-configuration`);
    expect(validateResponse(login, 'GET', `${base}/.well-known/openid-configuration`, wk.status, await wk.json())).toEqual([]);
    const jwks = await sb.app.request(`${base}/.well-known/jwks.json`);
    expect(validateResponse(login, 'GET', `${base}/.well-known/jwks.json`, jwks.status, await jwks.json())).toEqual([]);
    // A whole code flow, without PKCE this time (it is optional in LOG).
    const auth = await sb.app.request(
      `${base}/oauth2/auth?${new URLSearchParams({ client_id: 'plugpay-sandbox', response_type: 'code', scope: 'openid name phoneNumber', state: 'state-123456', redirect_uri: 'https://plugpay.example/cb', nonce: 'n-1' })}`
    );
    const request = /name="request" value="([^"]+)"/.exec(await auth.text())![1]!;
    const chosen = await sb.app.request(`${base}/oauth2/auth/choose`, { method: 'POST', body: new URLSearchParams({ request, sub: TEST_USERS[0]!.sub }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const code = new URL(chosen.headers.get('location')!).searchParams.get('code')!;
    const form = { grant_type: 'authorization_code', code, redirect_uri: 'https://plugpay.example/cb', client_id: 'plugpay-sandbox', client_secret: 'plugpay-sandbox-secret' };
    expect(validateRequestBody(login, 'POST', `${base}/oauth2/token`, form, 'application/x-www-form-urlencoded')).toEqual([]);
    const tok = await sb.app.request(`${base}/oauth2/token`, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const tokens = (await tok.json()) as { access_token: string };
    expect(withoutSpecDefects(validateResponse(login, 'POST', `${base}/oauth2/token`, tok.status, tokens))).toEqual([]);
    const reused = await sb.app.request(`${base}/oauth2/token`, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(reused.status).toBe(400);
    expect(validateResponse(login, 'POST', `${base}/oauth2/token`, 401, await reused.json())).toEqual([]);
    const badClient = await sb.app.request(`${base}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ ...form, client_secret: 'x' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(badClient.status).toBe(401);
    expect(validateResponse(login, 'POST', `${base}/oauth2/token`, 401, await badClient.json())).toEqual([]);
    const info = await sb.app.request('/vipps-userinfo-api/userinfo/', { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(withoutSpecDefects(validateResponse(ui, 'GET', '/vipps-userinfo-api/userinfo/', info.status, await info.json(), info.headers.get('content-type')!))).toEqual([]);
    const denied = await sb.app.request('/vipps-userinfo-api/userinfo/', { headers: { Authorization: 'Bearer nope' } });
    expect(denied.status).toBe(401);
    expect(validateResponse(ui, 'GET', '/vipps-userinfo-api/userinfo/', 401, await denied.json(), denied.headers.get('content-type')!)).toEqual([]);
  });
});
