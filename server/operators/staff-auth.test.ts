import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { csrfToken } from './csrf.js';
import type { StaffMember } from './staff-accounts.js';
import { requireStaff, STAFF_COOKIE, type StaffEnv } from './staff-auth.js';

const SECRET = Buffer.from('staff-auth-test-secret-0123456789');
const TOKEN = 'operator-token-0123456789';
const people: Record<string, StaffMember> = {
  'cookie-operator': { id: '1', username: 'kari', displayName: 'Kari', role: 'operator' },
  'cookie-cashier': { id: '2', username: 'ola', displayName: 'Ola', role: 'cashier' }
};

function newTestApp(operatorToken: string | undefined = TOKEN) {
  const app = new Hono<StaffEnv>();
  const gate = { accounts: { staffFor: async (t: string | undefined) => (t ? people[t] ?? null : null) }, secret: SECRET, operatorToken };
  app.use('/op/*', requireStaff(gate, 'operator'));
  app.get('/op/who', (c) => c.json({ who: c.var.staff.username }));
  app.post('/op/act', (c) => c.json({ who: c.var.staff.username }));
  return app;
}

const cookie = (v: string) => ({ cookie: `${STAFF_COOKIE}=${v}` });

describe('requireStaff', () => {
  it('lets in a signed-in operator, and OPERATOR_TOKEN as a bearer only', async () => {
    const app = newTestApp();
    expect(await (await app.request('/op/who', { headers: cookie('cookie-operator') })).json()).toEqual({ who: 'kari' });
    expect(await (await app.request('/op/who', { headers: { authorization: `Bearer ${TOKEN}` } })).json()).toEqual({ who: 'operator-token' });
    expect((await app.request(`/op/who?token=${TOKEN}`)).status).toBe(403);
    expect((await app.request('/op/who', { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(403);
    expect((await app.request('/op/who', { headers: cookie('forged') })).status).toBe(403);
    expect((await app.request('/op/who')).status).toBe(403);
  });

  it('lets no one in by a token when none is configured', async () => {
    const app = newTestApp(undefined);
    expect((await app.request('/op/who')).status).toBe(403);
    expect((await app.request('/op/who', { headers: { authorization: 'Bearer ' } })).status).toBe(403);
  });

  it('refuses a role too small', async () => {
    const res = await newTestApp().request('/op/who', { headers: cookie('cookie-cashier') });
    expect(res.status).toBe(403);
    expect((await res.json()).detail).toMatch(/operator role/);
  });

  it('needs the CSRF token for a state change made with the cookie, not with the bearer token', async () => {
    const app = newTestApp();
    expect((await app.request('/op/act', { method: 'POST', headers: cookie('cookie-operator') })).status).toBe(403);
    expect((await app.request('/op/act', { method: 'POST', headers: { ...cookie('cookie-operator'), 'x-csrf-token': csrfToken(SECRET, 'cookie-cashier') } })).status).toBe(403);
    expect((await app.request('/op/act', { method: 'POST', headers: { ...cookie('cookie-operator'), 'x-csrf-token': csrfToken(SECRET, 'cookie-operator') } })).status).toBe(200);
    expect((await app.request('/op/act', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});
