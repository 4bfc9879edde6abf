/**
 * Access token API (`POST /accesstoken/get`, AT spec) and the gateway checks every other API
 * makes: `Ocp-Apim-Subscription-Key` and `Authorization: Bearer <token>` (API-NOTES §2, §3).
 */
import { randomBytes } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { SandboxContext } from './context.js';

/**
 * 401s come from the Azure API Management gateway in front of every API, in its own shape
 * (REC `ErrorFromAzure`; KB errors: "Azure owns the 401, 403, 422 and 429 formats").
 */
export function gatewayError(c: Context, status: 401 | 403, message: string): Response {
  return c.json({ responseInfo: { responseCode: String(status), responseMessage: message }, result: { message } }, status);
}

/** The access-token router (mounted at the sandbox root). */
export function accessTokenRoutes(ctx: SandboxContext): Hono {
  const app = new Hono();
  app.post('/accesstoken/get', (c) => {
    const clientId = c.req.header('client_id');
    const clientSecret = c.req.header('client_secret');
    const subKey = c.req.header('Ocp-Apim-Subscription-Key');
    const cred = ctx.credentials;
    // AT: all three headers are required; the error bodies are undocumented, so we use the
    // OAuth-style shape the official SDK expects (SDK src/types_external.ts).
    const oauthError = (status: 400 | 401, error: string, description: string) =>
      c.json(
        {
          error,
          error_description: description,
          error_codes: [status === 401 ? 7000215 : 900144],
          timestamp: ctx.now().toISOString(),
          trace_id: randomBytes(16).toString('hex'),
          correlation_id: randomBytes(16).toString('hex'),
        },
        status,
      );
    if (!clientId || !clientSecret || !subKey) {
      return oauthError(400, 'invalid_request', 'The headers client_id, client_secret and Ocp-Apim-Subscription-Key are required.');
    }
    if (clientId !== cred.clientId || clientSecret !== cred.clientSecret || subKey !== cred.subscriptionKey) {
      return oauthError(401, 'invalid_client', 'Invalid client_id, client_secret or subscription key.');
    }
    const msn = c.req.header('Merchant-Serial-Number');
    if (msn !== undefined && msn !== cred.merchantSerialNumber) {
      return oauthError(401, 'invalid_client', 'Merchant-Serial-Number does not belong to these credentials.');
    }
    const nowSec = Math.floor(ctx.now().getTime() / 1000);
    const ttl = ctx.tokenTtlSeconds;
    // AT declares `access_token` as `format: byte` (base64) although real tokens are JWTs; we
    // issue opaque base64 so responses validate against the document. Clients must treat the
    // token as opaque anyway.
    const token = randomBytes(96).toString('base64');
    ctx.store.data.tokens[token] = { expiresAt: (nowSec + ttl) * 1000 };
    pruneTokens(ctx);
    ctx.store.changed();
    // AT `AuthorizationTokenResponse`: the numeric fields are strings.
    return c.body(
      JSON.stringify({
        token_type: 'Bearer',
        expires_in: String(ttl),
        ext_expires_in: String(ttl),
        expires_on: String(nowSec + ttl),
        not_before: String(nowSec),
        resource: '00000002-0000-0000-c000-000000000000',
        access_token: token,
      }),
      200,
      { 'content-type': 'application/json;charset=UTF-8' },
    );
  });
  return app;
}

function pruneTokens(ctx: SandboxContext): void {
  const now = ctx.now().getTime();
  for (const [t, v] of Object.entries(ctx.store.data.tokens)) if (v.expiresAt <= now) delete ctx.store.data.tokens[t];
}

/**
 * Gateway middleware: subscription key and a valid, unexpired Bearer token (401 otherwise).
 * `msnRequired` (ePayment: required, pattern `^[0-9]{4,6}$`) makes a missing
 * Merchant-Serial-Number a 400 through `onBadMsn`; a present but foreign MSN is a 403.
 */
export function requireAuth(
  ctx: SandboxContext,
  opts: { msnRequired: boolean; onBadMsn?: (c: Context, detail: string) => Response },
): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.header('Ocp-Apim-Subscription-Key') !== ctx.credentials.subscriptionKey) {
      return gatewayError(c, 401, 'Access denied due to missing or invalid subscription key.');
    }
    const auth = c.req.header('Authorization') ?? '';
    // KB errors / TK: the word "Bearer" is required; a bare token is a 401.
    const m = /^Bearer (\S+)$/.exec(auth);
    const rec = m ? ctx.store.data.tokens[m[1]!] : undefined;
    if (!rec) return gatewayError(c, 401, 'Invalid or missing access token.');
    if (rec.expiresAt <= ctx.now().getTime()) return gatewayError(c, 401, 'The access token has expired.');
    const msn = c.req.header('Merchant-Serial-Number');
    if (msn === undefined || msn === '') {
      if (opts.msnRequired) return opts.onBadMsn ? opts.onBadMsn(c, 'The Merchant-Serial-Number header is required.') : gatewayError(c, 403, 'Merchant-Serial-Number is required.');
    } else if (msn !== ctx.credentials.merchantSerialNumber) {
      if (opts.msnRequired && !/^[0-9]{4,6}$/.test(msn) && opts.onBadMsn) return opts.onBadMsn(c, 'Merchant-Serial-Number must match ^[0-9]{4,6}$.');
      return gatewayError(c, 403, 'These credentials do not give access to that Merchant-Serial-Number.');
    }
    await next();
  };
}
