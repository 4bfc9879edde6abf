import { describe, expect, it } from 'vitest';
import { VippsHttp } from './http.js';
import { AccessTokens } from './token.js';
import { TOKEN_BODY, fakeFetch, json, type Answer } from './fake-fetch.test-helper.js';

function setup(script: Answer[], fallback?: Answer) {
  const f = fakeFetch(script, fallback);
  let now = 1_700_000_000_000;
  const http = new VippsHttp({
    baseUrl: 'https://apitest.vipps.no',
    subscriptionKey: 'sub-key',
    merchantSerialNumber: '123456',
    systemName: 'plugpay',
    systemVersion: '0.1.0',
    fetch: f.fetch,
    sleep: async () => {},
    now: () => now
  });
  const tokens = new AccessTokens(http, { clientId: 'cid', clientSecret: 'csecret', refreshMarginMs: 60_000, now: () => now });
  return { tokens, calls: f.calls, advance: (ms: number) => (now += ms) };
}

const tokenResponse = (n: number, expiresIn: string | number = '3600') => json(200, { ...TOKEN_BODY, expires_in: expiresIn, access_token: `tok-${n}` });

describe('AccessTokens', () => {
  it('asks POST /accesstoken/get with the credentials in headers and no bearer', async () => {
    const { tokens, calls } = setup([tokenResponse(1)]);
    await expect(tokens.get()).resolves.toBe('tok-1');
    expect(calls[0]).toMatchObject({ url: 'https://apitest.vipps.no/accesstoken/get', method: 'POST', body: undefined });
    expect(calls[0].headers).toMatchObject({ client_id: 'cid', client_secret: 'csecret', 'ocp-apim-subscription-key': 'sub-key', 'merchant-serial-number': '123456' });
    expect(calls[0].headers.authorization).toBeUndefined();
  });

  it('caches the token and refreshes it the margin before expiry', async () => {
    const { tokens, calls, advance } = setup([tokenResponse(1), tokenResponse(2)]);
    expect(await tokens.get()).toBe('tok-1');
    advance(3_600_000 - 60_001);
    expect(await tokens.get()).toBe('tok-1');
    expect(calls).toHaveLength(1);
    advance(1);
    expect(await tokens.get()).toBe('tok-2');
    expect(calls).toHaveLength(2);
  });

  it('accepts expires_in as a number too', async () => {
    const { tokens } = setup([tokenResponse(1, 86400)]);
    await expect(tokens.get()).resolves.toBe('tok-1');
  });

  it('shares one request among concurrent callers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { tokens, calls } = setup([async () => (await gate, tokenResponse(1))]);
    const all = Promise.all(Array.from({ length: 10 }, () => tokens.get()));
    release();
    expect(await all).toEqual(Array(10).fill('tok-1'));
    expect(calls).toHaveLength(1);
  });

  it('after a failed fetch, the next caller tries again', async () => {
    const { tokens, calls } = setup([json(401, { error: 'invalid_client' }), tokenResponse(2)]);
    await expect(tokens.get()).rejects.toMatchObject({ status: 401, code: 'invalid_client', operation: 'accesstoken.get' });
    await expect(tokens.get()).resolves.toBe('tok-2');
    expect(calls).toHaveLength(2);
  });

  it('invalidate drops only the token it names', async () => {
    const { tokens, calls } = setup([tokenResponse(1), tokenResponse(2)]);
    await tokens.get();
    tokens.invalidate('some-older-token');
    expect(await tokens.get()).toBe('tok-1');
    tokens.invalidate('tok-1');
    expect(await tokens.get()).toBe('tok-2');
    expect(calls).toHaveLength(2);
  });

  it('a token response without access_token is an invalid-response', async () => {
    const { tokens } = setup([json(200, { token_type: 'Bearer', expires_in: '3600' })]);
    await expect(tokens.get()).rejects.toMatchObject({ code: 'invalid-response' });
  });
});
