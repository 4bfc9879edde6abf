/**
 * The sandbox's Login, driven by `openid-client` (the library plugpay signs in with), so the
 * sandbox is checked against a well-kept OIDC client rather than against itself.
 */
import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { VippsSandbox } from './sandbox.js';
import { aSandbox, BASE } from './test-kit.js';
import { TEST_USERS } from './test-users.js';

const ISSUER = `${BASE}/access-management-1.0/access/`;
const REDIRECT = 'https://plugpay.example/api/member/login/callback';

describe('sandbox Login (OIDC)', () => {
  let sb: VippsSandbox;
  afterEach(() => sb?.close());

  /** Routes the client's requests into the sandbox app. */
  const fetchInto = (s: VippsSandbox): oidc.CustomFetch =>
    ((url: string, init: RequestInit) => s.app.request(url.replace(BASE, '') || '/', init)) as unknown as oidc.CustomFetch;

  async function configure(auth: 'basic' | 'post', secret = 'plugpay-sandbox-secret') {
    sb = aSandbox();
    const clientAuth = auth === 'basic' ? oidc.ClientSecretBasic(secret) : oidc.ClientSecretPost(secret);
    const config = await oidc.discovery(new URL(ISSUER), 'plugpay-sandbox', undefined, clientAuth, {
      execute: [oidc.allowInsecureRequests],
      [oidc.customFetch]: fetchInto(sb)
    } as oidc.DiscoveryRequestOptions);
    return config;
  }

  /** The browser's part: open the authorize URL, pick a user, follow the redirect. */
  async function signIn(authorizeUrl: URL, userIndex = 0): Promise<URL> {
    const page = await sb.app.request(authorizeUrl.toString().replace(BASE, ''));
    expect(page.status).toBe(200);
    const html = await page.text();
    const request = /name="request" value="([^"]+)"/.exec(html)![1]!;
    const chosen = await sb.app.request('/access-management-1.0/access/oauth2/auth/choose', {
      method: 'POST',
      body: new URLSearchParams({ request, sub: TEST_USERS[userIndex]!.sub }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' }
    });
    expect(chosen.status).toBe(302);
    return new URL(chosen.headers.get('location')!);
  }

  async function start(config: oidc.Configuration) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid name phoneNumber',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce
    });
    return { verifier, state, nonce, url };
  }

  it.each(['basic', 'post'] as const)('signs in with PKCE, state and nonce (client_secret_%s), and serves userinfo', async (auth) => {
    const config = await configure(auth);
    const { verifier, state, nonce, url } = await start(config);
    const back = await signIn(url);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    const tokens = await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(TEST_USERS[0]!.sub);
    expect(claims.nonce).toBe(nonce);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: TEST_USERS[0]!.sub, name: 'Kari Nordmann', phone_number: '4791234567' });
    expect(info.email).toBeUndefined();
  });

  it('a code is used once', async () => {
    const config = await configure('basic');
    const { verifier, state, nonce, url } = await start(config);
    const back = await signIn(url);
    await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    await expect(oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a wrong PKCE verifier is invalid_grant', async () => {
    const config = await configure('basic');
    const { state, nonce, url } = await start(config);
    const back = await signIn(url);
    await expect(oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state, expectedNonce: nonce })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a wrong client secret is invalid_client (401)', async () => {
    const config = await configure('post', 'not-the-secret');
    const { verifier, state, nonce, url } = await start(config);
    const back = await signIn(url);
    await expect(oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce })).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
  });

  it('the ID token is RS256 and verifies against the JWKS', async () => {
    const config = await configure('basic');
    const { verifier, state, nonce, url } = await start(config);
    const tokens = await oidc.authorizationCodeGrant(config, await signIn(url, 1), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString());
    expect(header.alg).toBe('RS256');
    const jwks = (await (await sb.app.request('/access-management-1.0/access/.well-known/jwks.json')).json()) as { keys: Array<{ kid: string; kty: string }> };
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    expect(jwks.keys.every((k) => !('d' in k))).toBe(true);
  });

  describe('authorize errors', () => {
    const q = (over: Record<string, string | undefined>) => {
      const p: Record<string, string> = {
        client_id: 'plugpay-sandbox',
        response_type: 'code',
        scope: 'openid name',
        state: 'abcdefgh12',
        redirect_uri: REDIRECT,
        code_challenge: createHash('sha256').update('v'.repeat(43)).digest('base64url'),
        code_challenge_method: 'S256'
      };
      for (const [k, v] of Object.entries(over)) if (v === undefined) delete p[k];
      else p[k] = v;
      return `/access-management-1.0/access/oauth2/auth?${new URLSearchParams(p)}`;
    };

    it.each([
      ['unknown client', { client_id: 'nope' }, 401, 'invalid_client'],
      ['no redirect_uri', { redirect_uri: undefined }, 400, 'invalid_request']
    ])('%s is shown on a page', async (_n, over, status, error) => {
      sb = aSandbox();
      const r = await sb.app.request(q(over));
      expect(r.status).toBe(status);
      expect(await r.text()).toContain(`data-error="${error}"`);
    });

    it.each([
      ['no openid scope', { scope: 'name' }, 'invalid_scope'],
      ['unknown scope', { scope: 'openid shoeSize' }, 'invalid_scope'],
      ['short state', { state: 'abc' }, 'invalid_state'],
      ['token response type', { response_type: 'token' }, 'unsupported_response_type'],
      ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request']
    ])('%s goes back to the redirect URI', async (_n, over, error) => {
      sb = aSandbox();
      const r = await sb.app.request(q(over));
      expect(r.status).toBe(302);
      const back = new URL(r.headers.get('location')!);
      expect(back.searchParams.get('error')).toBe(error);
    });

    it('cancelling is access_denied, with the state', async () => {
      sb = aSandbox();
      const html = await (await sb.app.request(q({}))).text();
      const request = /name="request" value="([^"]+)"/.exec(html)![1]!;
      const r = await sb.app.request('/access-management-1.0/access/oauth2/auth/choose', {
        method: 'POST',
        body: new URLSearchParams({ request, cancel: '1' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded' }
      });
      const back = new URL(r.headers.get('location')!);
      expect([back.searchParams.get('error'), back.searchParams.get('state')]).toEqual(['access_denied', 'abcdefgh12']);
    });
  });

  it('userinfo without a valid token is 401', async () => {
    sb = aSandbox();
    const r = await sb.app.request('/vipps-userinfo-api/userinfo', { headers: { Authorization: 'Bearer nope' } });
    expect(r.status).toBe(401);
  });
});
