/**
 * plugpay over real HTTP and Socket.IO: bad input gets a clear error and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { contentHash } from '../server/payments/vipps/webhook-verifier.js';
import { SettingsRepository } from '../server/store/settings-repository.js';
import { silentLogger } from '../server/log.js';
import { sealedRegistrationStore, type StoredRegistration } from '../server/payments/webhook-setup.js';
import { demoChargers } from '../server/sim/demo.js';
import { StaffAccounts } from '../server/operators/staff-accounts.js';
import { systemClock } from '../server/sessions/ports.js';
import { eventually, startTestPlugpay, type TestPlugpay } from './helpers/plugpay.js';
import { signedWebhookHeaders } from './helpers/webhooks.js';

let pp: TestPlugpay;
let webhook: StoredRegistration;

beforeAll(async () => {
  pp = await startTestPlugpay({}, { demoChargers: demoChargers.filter((c) => c.id === 'OSL-GRO-01') });
  // The secret is sealed in the database (webhook-setup.ts); it opens with the server secret.
  webhook = (await sealedRegistrationStore({ serverSecret: pp.config.secret, logger: silentLogger, read: () => new SettingsRepository().get(pp.db, 'vipps.webhook'), write: async () => {} }).load())!;
  await eventually(async () => (await pp.charging.connectorView('OSL-GRO-01-1'))?.available, 15_000, 'connector available');
}, 60_000);
afterAll(async () => pp?.stop());

const api = (path: string, init: RequestInit = {}) => fetch(`${pp.url}${path}`, { redirect: 'manual', ...init });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  api(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  const body = await res.json();
  expect(body).toMatchObject({ status, title: expect.any(String) });
  return body;
}

async function sessionCount() {
  const { rows } = await pp.db.query<{ n: number }>('select count(*)::int as n from charging_sessions');
  return rows[0].n;
}

function signed(body: string, opts: { secret?: string; date?: Date } = {}) {
  return signedWebhookHeaders(body, { url: webhook.url, secret: opts.secret ?? webhook.secret }, opts.date ?? new Date());
}

describe('pages', () => {
  it('serves the PWA manifest and the service worker', async () => {
    const manifest = await api('/manifest.webmanifest');
    expect(manifest.status).toBe(200);
    expect(await manifest.json()).toMatchObject({ name: expect.stringMatching(/plugpay/i), start_url: expect.any(String) });
    const sw = await api('/service-worker.js');
    expect(sw.status).toBe(200);
    expect(sw.headers.get('content-type')).toMatch(/javascript/);
  });

  it('answers an unknown connector with a 404 page', async () => {
    const res = await api('/c/NO-SUCH-CONNECTOR');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('refuses a session page without the right token with 403', async () => {
    const start = await post('/api/sessions', { connectorId: 'OSL-GRO-01-2', amountOre: 20000 });
    const { sessionId, token } = await start.json();
    expect((await api(`/s/${sessionId}`)).status).toBe(403);
    expect((await api(`/s/${sessionId}?t=${'x'.repeat(32)}`)).status).toBe(403);
    expect((await api(`/s/${sessionId}?t=${token}`)).status).toBe(200);
    // Approve it: one device may hold only two reservations awaiting approval at a time.
    await pp.sandboxApprove(`plugpay-${sessionId}`);
    await pp.charging.pollPayment(sessionId);
  });
});

describe('the API', () => {
  it('answers malformed bodies with 400 problem+json and creates nothing', async () => {
    const before = await sessionCount();
    await expectProblem(await post('/api/sessions', '{not json'), 400);
    await expectProblem(await post('/api/sessions', { connectorId: 'OSL-GRO-01-1' }), 400);
    await expectProblem(await post('/api/sessions', { connectorId: 'OSL-GRO-01-1', amountOre: '350' }), 400);
    await expectProblem(await post('/api/sessions', { connectorId: 'OSL-GRO-01-1', amountOre: 12.5 }), 400);
    await expectProblem(await post('/api/sessions', { connectorId: 'OSL-GRO-01-1', amountOre: 999999999 }), 400);
    await expectProblem(await post('/api/sessions', { connectorId: '../etc', amountOre: 35000 }), 400);
    await expectProblem(await post('/api/sessions', { connectorId: 'NOPE-1', amountOre: 35000 }), 404);
    await expectProblem(await post('/api/sessions', { connectorId: 'OSL-GRO-01-1', amountOre: 35000, pad: 'x'.repeat(20_000) }), 413);
    await expectProblem(await post('/webhooks/vipps', 'x'.repeat(70_000)), 413);
    expect(await sessionCount()).toBe(before);
  });

  it('hides a session from anyone without its token', async () => {
    const start = await post('/api/sessions', { connectorId: 'OSL-GRO-01-1', amountOre: 35000 });
    expect(start.status).toBe(201);
    const { sessionId, token } = await start.json();
    await expectProblem(await api(`/api/sessions/${sessionId}`), 403);
    await expectProblem(await api(`/api/sessions/${sessionId}`, { headers: { authorization: 'Bearer wrong-wrong-wrong-wrong' } }), 403);
    await expectProblem(await post(`/api/sessions/${sessionId}/stop`, {}), 403);
    await expectProblem(await api('/api/sessions/unknown-session'), 404);
    const ok = await api(`/api/sessions/${sessionId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    // The connector is taken now: a second driver is told so.
    await expectProblem(await post('/api/sessions', { connectorId: 'OSL-GRO-01-1', amountOre: 35000 }), 409);
  });

  it('refuses forged, stale and malformed webhooks, and acts on a verified one once however often it arrives', async () => {
    // A charger that accepts the start but never begins: the session stays 'starting'.
    await pp.addCharger('TEST-WEBHOOK', { behaviour: { ignoreRemoteStart: true } });
    await eventually(async () => (await pp.charging.connectorView('TEST-WEBHOOK-1'))?.available, 10_000, 'connector available');
    const s = await post('/api/sessions', { connectorId: 'TEST-WEBHOOK-1', amountOre: 35000 }).then((r) => r.json());
    const reference = `plugpay-${s.sessionId}`;
    const event = JSON.stringify({
      msn: pp.config.vipps.merchantSerialNumber,
      reference,
      pspReference: 'forged-1',
      name: 'AUTHORIZED',
      amount: { currency: 'NOK', value: 35000 },
      timestamp: new Date().toISOString(),
      success: true
    });
    const state = async () => (await pp.db.query<{ state: string }>('select state from charging_sessions where id = $1', [s.sessionId])).rows[0].state;

    await expectProblem(await post('/webhooks/vipps', event, signed(event, { secret: 'not-the-secret' })), 401);
    await expectProblem(await post('/webhooks/vipps', event, signed(event, { date: new Date(Date.now() - 3_600_000) })), 401);
    await expectProblem(await post('/webhooks/vipps', event, { ...signed(event), 'x-ms-content-sha256': contentHash('{}') }), 401);
    await expectProblem(await post('/webhooks/vipps', 'null', signed('null')), 400);
    await expectProblem(await post('/webhooks/vipps', '{"a":1}', signed('{"a":1}')), 400);
    expect(await state()).toBe('awaiting_payment');

    // Verified, but a webhook is a hint: Vipps says the payment is not authorized, so nothing starts.
    const res = await post('/webhooks/vipps', event, signed(event));
    expect(res.status).toBe(200);
    expect(await state()).toBe('awaiting_payment');
    expect((await pp.sandboxPayment(reference)).state).toBe('CREATED');

    // Once the driver has approved, the same delivery (replayed) is read back as true, once.
    await pp.sandboxApprove(reference);
    const again = await post('/webhooks/vipps', event, signed(event));
    expect(again.status).toBe(200);
    await eventually(async () => (await state()) === 'starting', 10_000, 'session starting');
    await post('/webhooks/vipps', event, signed(event));
    expect(await state()).toBe('starting');
    const { rows } = await pp.db.query<{ n: number }>("select count(*)::int as n from payment_notifications where reference = $1 and psp_reference = 'forged-1'", [reference]);
    expect(rows[0].n).toBe(1);
  });
});

describe('operators', () => {
  /** The demo admin's session cookie: the operator routes need a signed-in member of staff. */
  let staffCookie = '';
  beforeAll(async () => {
    const r = await new StaffAccounts({ db: pp.db, clock: systemClock, logger: silentLogger }).signIn({ ...pp.demoLogin!, client: 'api-test' });
    if (!r.ok) throw new Error(`the demo admin could not sign in: ${r.reason}`);
    staffCookie = `pp_staff=${r.token}`;
  });
  const asStaff = (path: string) => api(path, { headers: { cookie: staffCookie } });

  it('keeps the operator routes closed to anyone not signed in', async () => {
    expect((await api('/api/operator/dead-letters')).status).toBe(403);
    expect((await api('/api/operator/stations')).status).toBe(403);
    expect((await api('/api/operator/connectors/OSL-GRO-01-1/qr.svg')).status).toBe(403);
  });

  it('lists dead-lettered jobs for the operator', async () => {
    await pp.db.query(
      `insert into outbox (kind, session_id, idempotency_key, payload, attempts, next_attempt_at, dead_at, last_error)
       values ('receipt', 'deadbeef0001', 'plugpay-deadbeef0001-receipt', '{}', 25, now() + interval '15 minutes', now(), 'VippsError: 500')`
    );
    const res = await asStaff('/api/operator/dead-letters');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([expect.objectContaining({ kind: 'receipt', sessionId: 'deadbeef0001', attempts: 25, lastError: 'VippsError: 500' })]);
    await pp.db.query(`delete from outbox where idempotency_key = 'plugpay-deadbeef0001-receipt'`);
  });

  it('exposes Prometheus metrics: sessions by state, outbox depth, OCPP connections, Vipps calls', async () => {
    const res = await api('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^plugpay_sessions\{state="[a-z_]+",app="plugpay"\} \d+$/m);
    expect(text).toMatch(/^plugpay_outbox_jobs\{state="dead",app="plugpay"\} 0$/m);
    expect(text).toMatch(/^plugpay_ocpp_connections\{app="plugpay"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plugpay_vipps_requests_total\{operation="POST epayment.payments",status="201",app="plugpay"\} [1-9]/m);
  });


  it('gets a printable QR sticker that encodes the connector\'s landing page', async () => {
    const res = await asStaff('/api/operator/connectors/OSL-GRO-01-1/qr.svg');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    const svg = await res.text();
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    // The same text encodes to the same symbol: compare with a code made here for the URL.
    const QRCode = (await import('qrcode')).default;
    expect(svg).toBe(await QRCode.toString(`${pp.url}/c/OSL-GRO-01-1`, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    expect(svg).not.toBe(await QRCode.toString(`${pp.url}/c/OSL-GRO-01-2`, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    await expectProblem(await asStaff('/api/operator/connectors/NOPE-1/qr.svg'), 404);
  });
});

describe('Socket.IO', () => {
  let socket: Socket;
  afterAll(() => socket?.close());

  it('answers malformed events with an error and keeps serving', async () => {
    socket = connect(pp.url, { transports: ['websocket'] });
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    const ack = (event: string, payload: unknown) => new Promise<{ ok: boolean; error?: string }>((resolve) => socket.emit(event, payload, resolve));
    expect(await ack('session:join', { sessionId: 'x' })).toMatchObject({ ok: false });
    expect(await ack('session:join', 'garbage')).toMatchObject({ ok: false });
    expect(await ack('session:stop', { sessionId: 'abcdefabcdef', token: 'y'.repeat(30) })).toMatchObject({ ok: false, error: expect.stringMatching(/No such/) });
    expect(await ack('connector:join', { connectorId: 'NOPE-9' })).toMatchObject({ ok: false });
    socket.emit('session:join', null); // no ack function at all
    const joined = await ack('connector:join', { connectorId: 'OSL-GRO-01-1' });
    expect(joined).toMatchObject({ ok: true });
  });
});
