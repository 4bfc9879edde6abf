/**
 * The PWA's form actions over real HTTP against the built pages: a body that is not a form gets
 * 400 and changes nothing, and the operator token is never taken from the URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieName } from '../server/http/app.js';
import { demoChargers } from '../server/sim/demo.js';
import { eventually, startTestPlugpay, type TestPlugpay } from './helpers/plugpay.js';

const OPERATOR_TOKEN = 'pages-forms-operator-token';

let pp: TestPlugpay;
/** A driver's reservation and the cookie that opens its page. */
let session: { id: string; cookie: string };

beforeAll(async () => {
  pp = await startTestPlugpay({ OPERATOR_TOKEN }, { demoChargers: demoChargers.filter((c) => c.id === 'OSL-GRO-01') });
  await eventually(async () => (await pp.charging.connectorView('OSL-GRO-01-2'))?.available, 15_000, 'connector available');
  const r = await pp.charging.startSession({ connectorId: 'OSL-GRO-01-2', amountOre: 35000 });
  session = { id: r.sessionId, cookie: `${sessionCookieName(r.sessionId)}=${r.token}` };
}, 60_000);
afterAll(async () => pp?.stop());

async function sessionCount() {
  const { rows } = await pp.db.query<{ n: number }>('select count(*)::int as n from charging_sessions');
  return rows[0].n;
}

/**
 * A same-origin POST as a browser without JavaScript sends it: SvelteKit refuses other origins,
 * and answers requests that do not accept HTML as `use:enhance` ones (JSON, status 200).
 */
const submit = (path: string, body: string, contentType: string, cookie?: string) =>
  fetch(`${pp.url}${path}`, {
    method: 'POST',
    body,
    redirect: 'manual',
    headers: { 'content-type': contentType, origin: pp.url, accept: 'text/html', ...(cookie ? { cookie } : {}) }
  });

describe('form actions', () => {
  // The stop page renders only for the session's owner, so its action is posted with the cookie.
  const actions: { name: string; path: () => string; cookie?: () => string }[] = [
    { name: 'reserve', path: () => '/c/OSL-GRO-01-1?/reserve' },
    { name: 'sign-in', path: () => '/operator/login' },
    { name: 'stop', path: () => `/s/${session.id}?/stop`, cookie: () => session.cookie }
  ];
  const sessionState = async () => (await pp.db.query<{ state: string }>('select state from charging_sessions where id = $1', [session.id])).rows[0].state;

  it.each(actions)('$name answers a text/plain body with 400 and changes nothing', async ({ path, cookie }) => {
    const before = await sessionCount();
    const res = await submit(path(), 'preset=35000', 'text/plain', cookie?.());
    expect(res.status).toBe(400);
    expect(await sessionCount()).toBe(before);
    expect(await sessionState()).toBe('awaiting_payment');
  });

  it.each(actions)('$name answers a malformed multipart body with 400 and changes nothing', async ({ path, cookie }) => {
    const before = await sessionCount();
    const res = await submit(path(), '--nope\r\nnot a part at all', 'multipart/form-data; boundary=xyz', cookie?.());
    expect(res.status).toBe(400);
    expect(await sessionCount()).toBe(before);
    expect(await sessionState()).toBe('awaiting_payment');
  });

  it('still reserves with a proper form', async () => {
    const res = await submit('/c/OSL-GRO-01-1?/reserve', 'preset=35000', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(303);
  });
});

describe('the operator console', () => {
  it('does not open, nor sign in, with the operator token in the URL', async () => {
    const res = await fetch(`${pp.url}/operator?token=${OPERATOR_TOKEN}`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/operator/login?next=%2Foperator');
    expect(res.headers.get('set-cookie') ?? '').not.toMatch(/pp_staff=/);
    expect(await res.text()).not.toContain('oslo-gronland');
  });

  it('signs in through the sign-in form with its CSRF token, then opens the console with the session cookie', async () => {
    const form = await fetch(`${pp.url}/operator/login`);
    const binding = (form.headers.get('set-cookie') ?? '').split(';')[0];
    expect(binding).toMatch(/^pp_staff_signin=/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    expect(csrf).toBeTruthy();
    const body = new URLSearchParams({ username: pp.demoLogin!.username, password: pp.demoLogin!.password, csrf: csrf! }).toString();

    const forged = await submit('/operator/login', new URLSearchParams({ username: pp.demoLogin!.username, password: pp.demoLogin!.password }).toString(), 'application/x-www-form-urlencoded', binding);
    expect(forged.status).toBe(403);
    expect(forged.headers.get('set-cookie') ?? '').not.toMatch(/pp_staff=/);

    const login = await submit('/operator/login', body, 'application/x-www-form-urlencoded', binding);
    expect(login.status).toBe(303);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/pp_staff=[^;]+;.*HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = /pp_staff=[^;]+/.exec(setCookie)![0];
    const page = await fetch(`${pp.url}/operator`, { headers: { cookie } });
    expect(await page.text()).toContain('oslo-gronland');
  });
});
