/**
 * The API's edges, in process through `app.request()`: per-client limits, the reservation cap,
 * the operator token, CSRF and security headers. The services behind it are fakes that count
 * calls, so "changes nothing" is checked by what was never called.
 */
import { describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { silentLogger } from '../log.js';
import { ServiceError, type ChargingService } from '../sessions/charging-service.js';
import type { ChargerAdmin } from '../sessions/charger-admin.js';
import { createApi, type ApiLimits } from './app.js';

const OPERATOR_TOKEN = 'operator-token-0123456789';

interface Calls {
  startSession: number;
  register: number;
}

/** A fake service: connector `BUSY-1` is taken (409), every other one can be reserved. */
function newTestApi(opts: { limits?: Partial<ApiLimits>; trustedProxies?: number } = {}): { sut: Hono; calls: Calls; awaiting: Set<string> } {
  const calls: Calls = { startSession: 0, register: 0 };
  /** Sessions still awaiting the driver's approval; a test deletes one to approve it. */
  const awaiting = new Set<string>();
  let next = 0;
  const charging = {
    async awaitingPayment(ids: string[]) {
      return ids.filter((id) => awaiting.has(id));
    },
    async startSession(input: { connectorId: string }) {
      calls.startSession++;
      if (input.connectorId === 'BUSY-1') throw new ServiceError(409, 'This connector is in use.');
      next++;
      const sessionId = `session${String(next).padStart(8, '0')}`;
      awaiting.add(sessionId);
      return { sessionId, token: 't'.repeat(32), redirectUrl: 'https://app.example/pay' };
    },
    async stopSession(id: string) {
      return { id, state: 'failed' };
    },
    async sessionView(id: string) {
      return { id, state: 'awaiting_payment' };
    },
    async connectorView() {
      return null;
    },
    async operatorStations() {
      return [];
    }
  } as unknown as ChargingService;
  const chargerAdmin = {
    async register() {
      calls.register++;
      return { ok: true, charger: { id: 'CP-1', connectors: ['CP-1-1'], warnings: [] } };
    }
  } as unknown as ChargerAdmin;
  const sut = createApi({ charging, chargerAdmin, logger: silentLogger, operatorToken: OPERATOR_TOKEN, ready: () => true, ...opts });
  return { sut, calls, awaiting };
}

/** What @hono/node-server hands every request: the Node request, with its socket. */
const from = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', host: 'plugpay.example', ...headers }
});

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  const body = await res.json();
  expect(body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  return body as { detail: string };
}

describe('per-client request budget', () => {
  it('answers a client over its budget with 429 problem+json and Retry-After, and serves others', async () => {
    const { sut } = newTestApi({ limits: { requestsPerSecond: 3 } });
    for (let i = 0; i < 3; i++) expect((await sut.request('/health', {}, from('203.0.113.1'))).status).toBe(200);
    const refused = await sut.request('/health', {}, from('203.0.113.1'));
    await expectProblem(refused, 429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await sut.request('/health', {}, from('203.0.113.2'))).status).toBe(200);
  });

  it('counts one IPv6 client by its /64, since one subscriber holds the whole prefix', async () => {
    const { sut } = newTestApi({ limits: { requestsPerSecond: 2 } });
    expect((await sut.request('/health', {}, from('2001:db8:1:2::1'))).status).toBe(200);
    expect((await sut.request('/health', {}, from('2001:db8:1:2:ffff::9'))).status).toBe(200);
    await expectProblem(await sut.request('/health', {}, from('2001:db8:1:2:aaaa:bbbb:cccc:dddd')), 429);
    expect((await sut.request('/health', {}, from('2001:db8:1:3::1'))).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless told how many proxies stand in front', async () => {
    const direct = newTestApi({ limits: { requestsPerSecond: 1 } }).sut;
    expect((await direct.request('/health', { headers: { 'x-forwarded-for': '198.51.100.1' } }, from('203.0.113.1'))).status).toBe(200);
    // A client cannot buy a fresh budget by making up a header.
    await expectProblem(await direct.request('/health', { headers: { 'x-forwarded-for': '198.51.100.2' } }, from('203.0.113.1')), 429);

    const proxied = newTestApi({ limits: { requestsPerSecond: 1 }, trustedProxies: 1 }).sut;
    const via = (xff: string) => proxied.request('/health', { headers: { 'x-forwarded-for': xff } }, from('10.0.0.1'));
    expect((await via('198.51.100.1')).status).toBe(200);
    expect((await via('198.51.100.2')).status).toBe(200);
    // Behind one proxy, only the address that proxy appended counts; what the client wrote before it does not.
    await expectProblem(await via('192.0.2.77, 198.51.100.1'), 429);
  });
});

describe('reservations per client', () => {
  it('lets one client hold at most two reservations awaiting approval', async () => {
    const { sut, calls } = newTestApi();
    const reserve = (ip: string, connectorId: string) => sut.request('/sessions', json({ connectorId, amountOre: 35000 }), from(ip));
    expect((await reserve('203.0.113.1', 'A-1')).status).toBe(201);
    expect((await reserve('203.0.113.1', 'A-2')).status).toBe(201);
    const refused = await reserve('203.0.113.1', 'A-3');
    const body = await expectProblem(refused, 429);
    expect(body.detail).toMatch(/approve|finish/i);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(calls.startSession).toBe(2);
    // Another driver at the same moment is not affected.
    expect((await reserve('203.0.113.2', 'A-3')).status).toBe(201);
  });

  it('does not count a reservation the service refused, and frees a place once one no longer awaits approval', async () => {
    const { sut, awaiting } = newTestApi();
    const ip = from('203.0.113.9');
    const reserve = (connectorId: string) => sut.request('/sessions', json({ connectorId, amountOre: 35000 }), ip);
    await expectProblem(await reserve('BUSY-1'), 409);
    expect((await reserve('A-1')).status).toBe(201);
    const second = await (await reserve('A-2')).json();
    await expectProblem(await reserve('A-3'), 429);
    awaiting.delete(second.sessionId); // approved, rejected, expired or abandoned
    expect((await reserve('A-3')).status).toBe(201);
    await expectProblem(await reserve('A-4'), 429);
  });

  it('limits how often a client may try, whatever it sends', async () => {
    const { sut, calls } = newTestApi({ limits: { sessionStartsPerMinute: 3 } });
    const ip = from('203.0.113.3');
    for (let i = 0; i < 3; i++) await expectProblem(await sut.request('/sessions', json({ connectorId: 'A-1' }), ip), 400);
    await expectProblem(await sut.request('/sessions', json({ connectorId: 'A-1', amountOre: 35000 }), ip), 429);
    expect(calls.startSession).toBe(0);
  });
});

describe('the operator token', () => {
  it('is taken from a bearer header only, never from the query string or a cookie', async () => {
    const { sut } = newTestApi();
    const ip = from('203.0.113.4');
    await expectProblem(await sut.request(`/operator/stations?token=${OPERATOR_TOKEN}`, {}, ip), 403);
    expect((await sut.request('/operator/stations', { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } }, ip)).status).toBe(200);
    // The console signs staff in with accounts now; the token itself is no cookie.
    await expectProblem(await sut.request('/operator/stations', { headers: { cookie: `pp_operator=${OPERATOR_TOKEN}` } }, ip), 403);
    await expectProblem(await sut.request('/operator/stations', { headers: { authorization: `Bearer ${OPERATOR_TOKEN}x` } }, ip), 403);
  });

  it('guards charger registration the same way', async () => {
    const { sut, calls } = newTestApi();
    const ip = from('203.0.113.5');
    await expectProblem(await sut.request(`/admin/chargers?token=${OPERATOR_TOKEN}`, json({ id: 'CP-1' }), ip), 403);
    await expectProblem(await sut.request('/admin/chargers', json({ id: 'CP-1' }, { authorization: 'Bearer operator-token-012345678' }), ip), 403);
    expect(calls.register).toBe(0);
    expect((await sut.request('/admin/chargers', json({ id: 'CP-1' }, { authorization: `Bearer ${OPERATOR_TOKEN}` }), ip)).status).toBe(201);
  });
});

describe('cross-site requests', () => {
  it('refuses a state-changing request from a page on another origin, and changes nothing', async () => {
    const { sut, calls } = newTestApi();
    const ip = from('203.0.113.6');
    const body = { connectorId: 'A-1', amountOre: 35000 };
    await expectProblem(await sut.request('/sessions', json(body, { origin: 'https://evil.example' }), ip), 403);
    // A form on another site posts text/plain without an Origin the browser would let it forge.
    const form = { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'text/plain', host: 'plugpay.example', 'sec-fetch-site': 'cross-site' } };
    await expectProblem(await sut.request('/sessions', form, ip), 403);
    expect(calls.startSession).toBe(0);
  });

  it('accepts the same origin, behind a TLS proxy too, and clients that are not browsers', async () => {
    const { sut } = newTestApi();
    expect((await sut.request('/sessions', json({ connectorId: 'A-1', amountOre: 35000 }, { origin: 'https://plugpay.example' }), from('203.0.113.7'))).status).toBe(201);
    expect((await sut.request('/sessions', json({ connectorId: 'A-2', amountOre: 35000 }), from('203.0.113.8'))).status).toBe(201);
  });
});

describe('security headers', () => {
  it('are set on API answers', async () => {
    const { sut } = newTestApi();
    const res = await sut.request('/health', {}, from('203.0.113.10'));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
  });
});
