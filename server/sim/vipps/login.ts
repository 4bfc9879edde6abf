/**
 * Login API (OIDC) and the Login flow's Userinfo (LOG login.yaml; UI userinfo.yaml; TK login;
 * API-NOTES §11): discovery, JWKS, the authorize endpoint (a page where a test user is picked),
 * the token endpoint (client_secret_basic or client_secret_post, PKCE S256), RS256 ID tokens that
 * carry the nonce, and userinfo. Tokens are made and signed with `jose`; nothing hand-rolled.
 *
 * Errors follow RFC 6749 §4.1.2.1 and §5.2 (Login is an OAuth 2.0 server): before the redirect
 * URI is trusted they are shown on a page; after, they go back to it as `error` + `state`. The
 * token endpoint answers `invalid_client` with 401 (LOG documents 401 `ErrorResponse`) and the
 * other errors with 400, which LOG does not list but RFC 6749 §5.2 requires.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { exportJWK, SignJWT } from 'jose';
import type { SandboxContext } from './context.js';
import { loginState, pruneLogin } from './login-state.js';
import { TEST_USERS, userBySub, type TestUser } from './test-users.js';
import { acceptableUrl } from './urls.js';

export const LOGIN_PREFIX = '/access-management-1.0/access';
const SCOPES = ['openid', 'name', 'phoneNumber', 'email', 'address', 'birthDate'];
/** How long the user has on the Login page, and how long a code lives (one use). */
const REQUEST_TTL_MS = 10 * 60_000;
const CODE_TTL_MS = 2 * 60_000;
const TOKEN_TTL_S = 3600;

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface LoginOptions {
  /** Where the server side (plugpay) reaches the sandbox: issuer, token, JWKS, userinfo. */
  apiBaseUrl: string;
  /** Registered redirect URIs (exact match, LOG token `redirect_uri`); absent = any acceptable URL. */
  redirectUris?: string[];
}

export function loginRoutes(ctx: SandboxContext, opts: LoginOptions): Hono {
  const app = new Hono();
  const api = opts.apiBaseUrl.replace(/\/+$/, '');
  const issuer = `${api}${LOGIN_PREFIX}/`;
  const state = () => {
    const s = loginState(ctx.store);
    pruneLogin(s, ctx.now().getTime());
    return s;
  };
  const key = () => {
    const s = loginState(ctx.store);
    return { privateKey: createPrivateKey(s.privateKeyPem), kid: s.kid };
  };

  app.get(`${LOGIN_PREFIX}/.well-known/openid-configuration`, (c) =>
    c.json({
      issuer,
      authorization_endpoint: `${ctx.publicBaseUrl}${LOGIN_PREFIX}/oauth2/auth`,
      token_endpoint: `${api}${LOGIN_PREFIX}/oauth2/token`,
      jwks_uri: `${api}${LOGIN_PREFIX}/.well-known/jwks.json`,
      userinfo_endpoint: `${api}/vipps-userinfo-api/userinfo`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: SCOPES,
      claims_supported: ['sub', 'name', 'given_name', 'family_name', 'phone_number', 'email', 'email_verified', 'nonce'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      require_request_uri_registration: false
    })
  );

  app.get(`${LOGIN_PREFIX}/.well-known/jwks.json`, async (c) => {
    const { privateKey, kid } = key();
    const jwk = await exportJWK(createPublicKey(privateKey));
    return c.json({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] });
  });

  const errorPage = (c: Context, status: number, error: string, detail: string) =>
    c.html(page('Login failed', `<h1>Login failed</h1><p id="error" data-error="${esc(error)}">${esc(detail)}</p>`), status as ContentfulStatusCode);

  const redirectWith = (c: Context, redirectUri: string, params: Record<string, string | undefined>) => {
    const u = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    return c.redirect(u.toString(), 302);
  };

  // Authorize (LOG `oauthAuth`; RFC 6749 §4.1.1; TK: state ≥ 8 characters, PKCE S256).
  app.get(`${LOGIN_PREFIX}/oauth2/auth`, (c) => {
    const q = c.req.query();
    if (q.client_id !== ctx.credentials.clientId) return errorPage(c, 401, 'invalid_client', 'Unknown client_id.');
    const redirectUri = q.redirect_uri ?? '';
    const registered = opts.redirectUris ? opts.redirectUris.includes(redirectUri) : acceptableUrl(redirectUri, true);
    if (!registered) return errorPage(c, 400, 'invalid_request', 'redirect_uri is missing or not registered for this client.');
    const fail = (error: string, description: string) => redirectWith(c, redirectUri, { error, error_description: description, state: q.state });
    if (q.response_type !== 'code') return fail('unsupported_response_type', 'response_type must be code.');
    const scopes = (q.scope ?? '').split(' ').filter(Boolean);
    if (!scopes.includes('openid')) return fail('invalid_scope', 'scope must include openid.');
    const unknown = scopes.filter((s) => !SCOPES.includes(s));
    if (unknown.length) return fail('invalid_scope', `Unknown scope: ${unknown.join(' ')}.`);
    if (!q.state || q.state.length < 8) return fail('invalid_state', 'state must be at least 8 characters.');
    if (q.code_challenge !== undefined && q.code_challenge_method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256.');
    if (q.code_challenge_method !== undefined && !q.code_challenge) return fail('invalid_request', 'code_challenge is missing.');
    const id = randomBytes(16).toString('base64url');
    state().requests[id] = {
      clientId: q.client_id,
      redirectUri,
      scope: scopes.join(' '),
      state: q.state,
      ...(q.nonce ? { nonce: q.nonce } : {}),
      ...(q.code_challenge ? { codeChallenge: q.code_challenge } : {}),
      expiresAt: ctx.now().getTime() + REQUEST_TTL_MS
    };
    ctx.store.changed();
    return c.html(chooser(id, scopes));
  });

  // The page's choice: a test user signs in (or cancels), and the browser goes back with a code.
  app.post(`${LOGIN_PREFIX}/oauth2/auth/choose`, async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const id = typeof form.request === 'string' ? form.request : '';
    const s = state();
    const req = s.requests[id];
    if (!req) return errorPage(c, 400, 'invalid_request', 'This login has expired. Start again from the merchant.');
    delete s.requests[id];
    ctx.store.changed();
    if (form.cancel !== undefined) return redirectWith(c, req.redirectUri, { error: 'access_denied', error_description: 'The user cancelled.', state: req.state });
    const user = userBySub(typeof form.sub === 'string' ? form.sub : undefined);
    if (!user) return errorPage(c, 400, 'invalid_request', 'Pick one of the test users.');
    const code = randomBytes(32).toString('base64url');
    const now = ctx.now().getTime();
    s.codes[code] = {
      clientId: req.clientId,
      redirectUri: req.redirectUri,
      scope: req.scope,
      ...(req.nonce ? { nonce: req.nonce } : {}),
      ...(req.codeChallenge ? { codeChallenge: req.codeChallenge } : {}),
      sub: user.sub,
      authTime: Math.floor(now / 1000),
      expiresAt: now + CODE_TTL_MS
    };
    ctx.store.changed();
    return redirectWith(c, req.redirectUri, { code, state: req.state, scope: req.scope });
  });

  // Token (LOG `oauth2Token`; RFC 6749 §4.1.3, §2.3.1; RFC 7636 §4.6).
  app.post(`${LOGIN_PREFIX}/oauth2/token`, async (c) => {
    const oauthError = (status: 400 | 401, error: string, description: string) =>
      c.json({ error, error_description: description, error_code: status, error_debug: description }, status, { 'Cache-Control': 'no-store' });
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
    }
    const form = new URLSearchParams(await c.req.text());
    const basic = /^Basic (.+)$/i.exec(c.req.header('Authorization') ?? '');
    let clientId: string | undefined;
    let clientSecret: string | undefined;
    if (basic) {
      if (form.has('client_secret')) return oauthError(400, 'invalid_request', 'Use one client authentication method, not two.');
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
      clientId = colon >= 0 ? decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')) : undefined;
      clientSecret = colon >= 0 ? decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) : undefined;
    } else {
      clientId = form.get('client_id') ?? undefined;
      clientSecret = form.get('client_secret') ?? undefined;
    }
    if (!clientId || !clientSecret || !safeEqual(clientId, ctx.credentials.clientId) || !safeEqual(clientSecret, ctx.credentials.clientSecret)) {
      return oauthError(401, 'invalid_client', 'Client authentication failed.');
    }
    if (form.get('grant_type') !== 'authorization_code') return oauthError(400, 'unsupported_grant_type', 'grant_type must be authorization_code.');
    const s = state();
    const code = form.get('code') ?? '';
    const grant = s.codes[code];
    // A code is used once: whatever happens next, it is gone (RFC 6749 §4.1.2).
    if (grant) delete s.codes[code];
    ctx.store.changed();
    if (!grant || grant.clientId !== clientId) return oauthError(400, 'invalid_grant', 'The code is invalid, expired or already used.');
    if (form.get('redirect_uri') !== grant.redirectUri) return oauthError(400, 'invalid_grant', 'redirect_uri does not match the authorization request.');
    if (grant.codeChallenge) {
      const verifier = form.get('code_verifier');
      if (!verifier) return oauthError(400, 'invalid_grant', 'code_verifier is required (PKCE).');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!safeEqual(challenge, grant.codeChallenge)) return oauthError(400, 'invalid_grant', 'code_verifier does not match the code_challenge.');
    } else if (form.has('code_verifier')) {
      return oauthError(400, 'invalid_grant', 'code_verifier sent, but the authorization request had no code_challenge.');
    }
    const user = userBySub(grant.sub)!;
    const now = Math.floor(ctx.now().getTime() / 1000);
    const accessToken = randomBytes(32).toString('base64url');
    s.accessTokens[accessToken] = { sub: user.sub, scope: grant.scope, expiresAt: (now + TOKEN_TTL_S) * 1000 };
    ctx.store.changed();
    const { privateKey, kid } = key();
    const idToken = await new SignJWT({ ...(grant.nonce ? { nonce: grant.nonce } : {}), auth_time: grant.authTime, sid: randomBytes(8).toString('hex') })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(user.sub)
      .setAudience(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + TOKEN_TTL_S)
      .setJti(randomBytes(12).toString('hex'))
      .sign(privateKey);
    // TK login: no refresh tokens.
    return c.json({ access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: TOKEN_TTL_S, scope: grant.scope }, 200, { 'Cache-Control': 'no-store' });
  });

  // Userinfo in the Login flow (UI `userinfoAuthorizationCode`). CONFLICT (API-NOTES §3): UI wants
  // the subscription key, TK says it must not be sent; the sandbox accepts both.
  const userinfo = (c: Context) => {
    const m = /^Bearer (\S+)$/.exec(c.req.header('Authorization') ?? '');
    const t = m ? state().accessTokens[m[1]!] : undefined;
    if (!t) {
      return c.body(JSON.stringify({ type: 'https://developer.vippsmobilepay.com/docs/knowledge-base/errors', title: 'Unauthorized', status: '401', detail: 'Missing or invalid access token.', instance: randomBytes(8).toString('hex') }), 401, {
        'content-type': 'application/json;charset=UTF-8',
        'WWW-Authenticate': 'Bearer error="invalid_token"'
      });
    }
    return c.body(JSON.stringify(claimsFor(userBySub(t.sub)!, t.scope)), 200, { 'content-type': 'application/json;charset=UTF-8' });
  };
  app.get('/vipps-userinfo-api/userinfo', userinfo);
  app.get('/vipps-userinfo-api/userinfo/', userinfo);

  function chooser(id: string, scopes: string[]): string {
    const users = TEST_USERS.map(
      (u, i) =>
        `<form method="post" action="${esc(`${ctx.publicBaseUrl}${LOGIN_PREFIX}/oauth2/auth/choose`)}"><input type="hidden" name="request" value="${esc(id)}"><input type="hidden" name="sub" value="${esc(u.sub)}"><button id="user-${i}" type="submit">${esc(u.name)}, +${esc(u.phoneNumber)}${u.funds === 'none' ? ' (no funds)' : ''}</button></form>`
    ).join('');
    const cancel = `<form method="post" action="${esc(`${ctx.publicBaseUrl}${LOGIN_PREFIX}/oauth2/auth/choose`)}"><input type="hidden" name="request" value="${esc(id)}"><button id="cancel" name="cancel" value="1" type="submit">Cancel</button></form>`;
    return page('Log in with Vipps', `<h1>Log in to ${esc(ctx.merchantName)}</h1><p>${esc(ctx.merchantName)} asks for: ${esc(scopes.filter((s) => s !== 'openid').join(', ') || 'your identity')}.</p><p>Pick a test user:</p>${users}${cancel}`);
  }

  return app;
}

/** The claims a scope shares (UI `Userinfo`; OIDC Core §5.4). */
export function claimsFor(u: TestUser, scope: string): Record<string, unknown> {
  const s = new Set(scope.split(' '));
  return {
    sub: u.sub,
    ...(s.has('name') ? { name: u.name, given_name: u.givenName, family_name: u.familyName } : {}),
    ...(s.has('phoneNumber') ? { phone_number: u.phoneNumber } : {}),
    ...(s.has('email') ? { email: u.email, email_verified: true } : {})
  };
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}
button{font-size:1.05rem;padding:.6rem 1.2rem;margin:.25rem 0;border-radius:.5rem;border:0;background:#ff5b24;color:#fff;width:100%}
#cancel{background:#ddd;color:#222}.note{color:#666;font-size:.9rem}</style></head>
<body><p class="note">Vipps MobilePay sandbox (not the real Login)</p>${body}</body></html>`;
}

