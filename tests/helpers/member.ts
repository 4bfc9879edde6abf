/**
 * A member, driven over plain HTTP against a whole plugpay (tests/helpers/plugpay.ts): sign in
 * with the sandbox's Vipps Login, accept the agreement in its app page, start and stop sessions.
 * A tiny cookie jar stands in for the browser.
 */
import { VippsClient } from '../../server/payments/vipps/client.js';
import { TEST_USERS } from '../../server/sim/vipps/test-users.js';
import { eventually, type TestPlugpay } from './plugpay.js';

export class MemberAgent {
  private jar = new Map<string, string>();

  /** `charging` is needed by chargeOnce only; a plugpay in another process has just a port. */
  constructor(private readonly pp: Pick<TestPlugpay, 'port'> & Partial<Pick<TestPlugpay, 'charging'>>) {}

  private cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (attrs.some((a) => /max-age=0/i.test(a)) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  /** A request as the browser would send it (cookies kept, redirects not followed). */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = path.startsWith('http') ? path.replace(/^http:\/\/localhost:/, 'http://127.0.0.1:') : `http://127.0.0.1:${this.pp.port}${path}`;
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { cookie: this.cookieHeader(), ...(init.headers ?? {}) } });
    this.keep(res);
    return res;
  }

  async json<T = any>(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> {
    const res = await this.fetch(path, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Sign in with Vipps Login as test user `user` (index into TEST_USERS). */
  async signIn(user = 0): Promise<void> {
    const start = await this.fetch('/api/member/login');
    if (start.status !== 302) throw new Error(`login start: ${start.status} ${await start.text()}`);
    const page = await this.fetch(start.headers.get('location')!);
    const html = await page.text();
    const request = /name="request" value="([^"]+)"/.exec(html)?.[1];
    if (!request) throw new Error(`no Login page: ${html.slice(0, 300)}`);
    const chose = await this.fetch(`/sandbox/vipps/access-management-1.0/access/oauth2/auth/choose`, {
      method: 'POST',
      body: new URLSearchParams({ request, sub: TEST_USERS[user]!.sub }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' }
    });
    const back = await this.fetch(chose.headers.get('location')!);
    if (back.status !== 303) throw new Error(`login callback: ${back.status} ${await back.text()}`);
  }

  /** Drafts the agreement and accepts it in the sandbox's app page with `maxAmountKr`. */
  async becomeMember(limitOre = 150000, maxAmountKr = String(limitOre / 100), user = 0): Promise<void> {
    const r = await this.json<{ confirmationUrl: string }>('/api/member/agreement', 'POST', { limitOre });
    if (r.status !== 201) throw new Error(`agreement: ${r.status} ${JSON.stringify(r.body)}`);
    const url = new URL(r.body.confirmationUrl);
    const accept = await this.fetch(`${url.pathname}/accept`, {
      method: 'POST',
      body: new URLSearchParams({ token: url.searchParams.get('token')!, phone: TEST_USERS[user]!.phoneNumber, maxAmount: maxAmountKr }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' }
    });
    if (accept.status !== 303) throw new Error(`accept: ${accept.status}`);
    await eventually(async () => (await this.json('/api/member/me')).body.agreement?.state === 'active', 15_000, 'agreement active');
  }

  /** Starts a member session, lets it charge until `minWh`, stops it; returns the session id. */
  async chargeOnce(connectorId: string, minWh = 50): Promise<string> {
    const charging = this.pp.charging;
    if (!charging) throw new Error('chargeOnce needs an in-process plugpay');
    await eventually(async () => (await charging.connectorView(connectorId))?.available, 15_000, 'connector available');
    const started = await this.json<{ sessionId: string; token: string }>('/api/member/sessions', 'POST', { connectorId });
    if (started.status !== 201) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
    const { sessionId, token } = started.body;
    await eventually(async () => (await charging.sessionView(sessionId, token)).energyWh >= minWh, 30_000, 'energy');
    await charging.stopSession(sessionId, token);
    await eventually(async () => (await charging.sessionView(sessionId, token)).state === 'completed', 30_000, 'completed');
    return sessionId;
  }
}

/** The sandbox's Recurring and Order Management, read through their public APIs. */
export function sandboxApis(pp: TestPlugpay): VippsClient {
  return new VippsClient({
    baseUrl: `http://127.0.0.1:${pp.port}/sandbox/vipps`,
    clientId: pp.config.vipps.clientId,
    clientSecret: pp.config.vipps.clientSecret,
    subscriptionKey: pp.config.vipps.subscriptionKey,
    merchantSerialNumber: pp.config.vipps.merchantSerialNumber,
    systemName: 'plugpay-tests',
    systemVersion: '1'
  });
}

/** A clock that a test moves forward. */
export function movableClock() {
  let offsetMs = 0;
  let frozenAt: number | undefined;
  return {
    now: () => new Date((frozenAt ?? Date.now()) + offsetMs),
    advance(ms: number) {
      offsetMs += ms;
    },
    /** Stops the clock where it is (`advance` still moves it), as if everything happened in one instant. */
    freeze() {
      frozenAt ??= Date.now();
    },
    /** Lets it run on from where it stood. */
    unfreeze() {
      if (frozenAt === undefined) return;
      offsetMs -= Date.now() - frozenAt;
      frozenAt = undefined;
    }
  };
}
