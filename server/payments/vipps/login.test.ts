/**
 * plugpay's Login adapter against the sandbox over HTTP, on a clock that is not the host's: the
 * ID token is dated by the sandbox on plugpay's clock, and must be checked against that clock.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createVippsSandbox, type VippsSandbox } from '../../sim/vipps/sandbox.js';
import { TEST_USERS } from '../../sim/vipps/test-users.js';
import { VippsLogin } from './login.js';

const REDIRECT = 'https://plugpay.example/api/member/login/callback';

describe('Vipps Login on plugpay\'s clock', () => {
  let server: ServerType | undefined;
  let sandbox: VippsSandbox | undefined;
  afterEach(async () => {
    sandbox?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
  });

  /** The sandbox on loopback, dated by `clock`. */
  async function sandboxAt(clock: () => Date): Promise<string> {
    const outer = new Hono();
    server = serve({ fetch: (req) => outer.fetch(req), port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server!.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox/vipps`;
    sandbox = createVippsSandbox({ publicBaseUrl: base, now: clock });
    outer.route('/sandbox/vipps', sandbox.app);
    return base;
  }

  /** The driver's part: open the authorize URL, pick a test user, follow the redirect. */
  async function signIn(base: string, authorizeUrl: string): Promise<URL> {
    const html = await (await fetch(authorizeUrl)).text();
    const request = /name="request" value="([^"]+)"/.exec(html)![1]!;
    const chosen = await fetch(`${base}/access-management-1.0/access/oauth2/auth/choose`, {
      method: 'POST',
      body: new URLSearchParams({ request, sub: TEST_USERS[0]!.sub }),
      redirect: 'manual'
    });
    expect(chosen.status).toBe(302);
    return new URL(chosen.headers.get('location')!);
  }

  it('signs in when plugpay\'s clock is two years behind the host\'s', async () => {
    // The ID token expires an hour after plugpay's now, which is long past by the host's time.
    const offset = -2 * 365 * 86_400_000;
    const clock = () => new Date(Date.now() + offset);
    const base = await sandboxAt(clock);
    const login = new VippsLogin({
      issuer: `${base}/access-management-1.0/access/`,
      clientId: 'plugpay-sandbox',
      clientSecret: 'plugpay-sandbox-secret',
      authMethod: 'client_secret_basic',
      redirectUri: REDIRECT,
      allowHttp: true,
      clock
    });
    const { url, pending } = await login.begin();
    const user = await login.finish(await signIn(base, url), pending);
    expect(user).toMatchObject({ sub: TEST_USERS[0]!.sub, name: 'Kari Nordmann', phoneNumber: '4791234567' });
  });
});
