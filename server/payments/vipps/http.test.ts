import { describe, expect, it } from 'vitest';
import { VippsError, VippsHttp, parseRetryAfter, type VippsHttpOptions } from './http.js';
import { z } from 'zod';
import { fakeFetch, json, problem, type Answer } from './fake-fetch.test-helper.js';

const ok = { schema: z.object({ ok: z.boolean() }) };

function core(script: Answer[], over: Partial<VippsHttpOptions> = {}) {
  const f = fakeFetch(script);
  const sleeps: number[] = [];
  let token = 0;
  const invalidated: string[] = [];
  const http = new VippsHttp({
    baseUrl: 'http://127.0.0.1:9/sandbox/',
    subscriptionKey: 'sub-key',
    merchantSerialNumber: '123456',
    systemName: 'plugpay',
    systemVersion: '0.1.0',
    fetch: f.fetch,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    now: () => Date.parse('2024-05-01T12:00:00Z'),
    retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    tokens: { get: async () => `tok-${++token}`, invalidate: (t) => void invalidated.push(t) },
    ...over
  });
  return { http, calls: f.calls, sleeps, invalidated };
}

const capture = {
  operation: 'epayment.capture',
  method: 'POST' as const,
  path: '/epayment/v1/payments/ev-session-1/capture',
  body: { modificationAmount: { currency: 'NOK', value: 21614 } },
  idempotencyKey: 'ev-session-1-capture',
  response: ok
};

describe('VippsHttp request core', () => {
  it('sends the common headers, the bearer token, the caller key and JSON to base + API path', async () => {
    const { http, calls } = core([json(200, { ok: true })]);
    const res = await http.request(capture);
    expect(res.data).toEqual({ ok: true });
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('http://127.0.0.1:9/sandbox/epayment/v1/payments/ev-session-1/capture');
    expect(calls[0].headers).toMatchObject({
      authorization: 'Bearer tok-1',
      'ocp-apim-subscription-key': 'sub-key',
      'merchant-serial-number': '123456',
      'vipps-system-name': 'plugpay',
      'vipps-system-version': '0.1.0',
      'idempotency-key': 'ev-session-1-capture',
      'content-type': 'application/json'
    });
    expect(JSON.parse(calls[0].body!)).toEqual(capture.body);
  });

  it('retries 5xx with exponential backoff, jitter, the same key and the same bytes', async () => {
    const { http, calls, sleeps } = core([json(503, {}), json(502, {}), json(200, { ok: true })]);
    await http.request(capture);
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers['idempotency-key']))).toEqual(new Set(['ev-session-1-capture']));
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
    // equal jitter with random() = 0.5: ¾ of 100·2^(n-1)
    expect(sleeps).toEqual([75, 150]);
  });

  it('caps the backoff at maxDelayMs and gives up after the configured attempts', async () => {
    const { http, calls, sleeps } = core([json(500, {}), json(500, {}), json(500, {}), json(500, {}), json(200, { ok: true })], {
      retry: { attempts: 4, baseDelayMs: 400, maxDelayMs: 1000 }
    });
    const err = await http.request(capture).catch((e) => e);
    expect(err).toBeInstanceOf(VippsError);
    expect(err.status).toBe(500);
    expect(err.retryable).toBe(true);
    expect(calls).toHaveLength(4);
    expect(sleeps).toEqual([300, 600, 750]);
  });

  it('honours Retry-After in seconds and as an HTTP date on 429', async () => {
    const { http, sleeps } = core([
      json(429, {}, { 'retry-after': '3' }),
      json(429, {}, { 'retry-after': 'Wed, 01 May 2024 12:00:07 GMT' }),
      json(200, { ok: true })
    ]);
    await http.request(capture);
    expect(sleeps).toEqual([3000, 7000]);
  });

  it('stops retrying when Retry-After asks for longer than maxRetryAfterMs', async () => {
    const { http, calls } = core([json(429, {}, { 'retry-after': '3600' }), json(200, { ok: true })]);
    const err = await http.request(capture).catch((e) => e);
    expect(err.status).toBe(429);
    expect(calls).toHaveLength(1);
  });

  it.each([
    ['seconds', '3600', 3_600_000],
    ['an HTTP date', 'Wed, 01 May 2024 14:00:00 GMT', 7_200_000]
  ])('hands a long Retry-After (%s) back to the caller as retryAfterMs, without sleeping', async (_kind, value, ms) => {
    const { http, calls, sleeps } = core([json(429, {}, { 'retry-after': value }), json(200, { ok: true })]);
    const err = await http.request(capture).catch((e) => e);
    expect(err).toBeInstanceOf(VippsError);
    expect(err).toMatchObject({ status: 429, retryable: true, retryAfterMs: ms });
    expect(sleeps).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('does not wait longer inline, in total, than maxRetryAfterMs', async () => {
    // Each wait is allowed on its own; together they would hold the caller (an outbox job with a
    // 60 s lease) for longer than it is willing to wait.
    const { http, calls, sleeps } = core(
      [json(503, {}, { 'retry-after': '40' }), json(503, {}, { 'retry-after': '40' }), json(200, { ok: true })],
      { retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 } }
    );
    const err = await http.request(capture).catch((e) => e);
    expect(err).toMatchObject({ status: 503, retryAfterMs: 40_000 });
    expect(sleeps).toEqual([40_000]);
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual(['ev-session-1-capture', 'ev-session-1-capture']);
  });

  it('keeps the default inline limit when a caller passes retry options without one', async () => {
    const { http, sleeps } = core([json(429, {}, { 'retry-after': '3600' }), json(200, { ok: true })], {
      retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: undefined }
    });
    await expect(http.request(capture)).rejects.toMatchObject({ status: 429, retryAfterMs: 3_600_000 });
    expect(sleeps).toEqual([]);
  });

  it('reports the Retry-After of the last attempt when the attempts run out', async () => {
    const { http, calls } = core([json(429, {}, { 'retry-after': '2' }), json(429, {}, { 'retry-after': '5' })], {
      retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 1000 }
    });
    await expect(http.request(capture)).rejects.toMatchObject({ status: 429, retryAfterMs: 5000 });
    expect(calls).toHaveLength(2);
  });

  it('leaves retryAfterMs unset when Vipps sent no Retry-After', async () => {
    const { http } = core([json(503, {})], { retry: { attempts: 1, baseDelayMs: 100, maxDelayMs: 1000 } });
    const err = await http.request(capture).catch((e) => e);
    expect(err.status).toBe(503);
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('retries network errors for keyed calls, keeping the key, and wraps the cause', async () => {
    const boom = new TypeError('fetch failed');
    const { http, calls } = core([boom, json(200, { ok: true })]);
    await http.request(capture);
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual(['ev-session-1-capture', 'ev-session-1-capture']);

    const again = core([boom, boom, boom, boom]);
    const err = await again.http.request(capture).catch((e) => e);
    expect(err).toMatchObject({ code: 'network-error', operation: 'epayment.capture' });
    expect(err.cause).toBe(boom);
    expect(again.calls).toHaveLength(4);
  });

  it('does not repeat an unkeyed POST after an unknown outcome, but does after a 429', async () => {
    const unkeyed = { ...capture, idempotencyKey: undefined };
    const a = core([new TypeError('socket hang up'), json(200, { ok: true })]);
    await expect(a.http.request(unkeyed)).rejects.toMatchObject({ code: 'network-error' });
    expect(a.calls).toHaveLength(1);

    const b = core([json(500, {}), json(200, { ok: true })]);
    await expect(b.http.request(unkeyed)).rejects.toMatchObject({ status: 500 });
    expect(b.calls).toHaveLength(1);

    const c = core([json(429, {}), json(200, { ok: true })]);
    await c.http.request(unkeyed);
    expect(c.calls).toHaveLength(2);
  });

  it('aborts an attempt that outlives timeoutMs and reports a timeout', async () => {
    const hang = (_c: unknown, signal: AbortSignal | undefined) =>
      new Promise<Response>((_, reject) => signal!.addEventListener('abort', () => reject(signal!.reason)));
    const { http, calls } = core([hang, hang], { timeoutMs: 20, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await http.request(capture).catch((e) => e);
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    expect(calls).toHaveLength(2);
  });

  it('does not retry 4xx and maps the ePayment Problem (code, traceId, title, detail)', async () => {
    const { http, calls } = core([problem(400, '6090'), json(200, { ok: true })]);
    const err = await http.request(capture).catch((e) => e);
    expect(calls).toHaveLength(1);
    expect(err).toBeInstanceOf(VippsError);
    expect(err).toMatchObject({ status: 400, code: '6090', traceId: 'trace-123', title: 'Bad Request', detail: 'Something is off', operation: 'epayment.capture', retryable: false });
  });

  it.each([
    ['Azure gateway', { responseInfo: { responseCode: '1000', responseMessage: 'Something went wrong' }, result: { message: 'Access denied' } }, { code: '1000', title: 'Something went wrong', detail: 'Access denied' }],
    ['QR / Order Management invalidParams', { title: 'Validation error', detail: 'BadRequest', instance: 'x', invalidParams: [{ name: 'RedirectUrl', reason: 'must be https' }] }, { code: undefined, title: 'Validation error', detail: 'BadRequest; RedirectUrl: must be https' }],
    ['Recurring ErrorV3', { type: 't', title: 'Bad', status: 400, detail: 'd', instance: '/x', contextId: 'ctx-1', extraDetails: [{ field: 'due', text: 'too soon' }] }, { traceId: 'ctx-1', detail: 'd; due: too soon' }],
    ['access token', { error: 'invalid_client', error_description: 'AADSTS7000215', trace_id: 'tr-9' }, { code: 'invalid_client', detail: 'AADSTS7000215', traceId: 'tr-9' }]
  ])('maps the %s error shape', async (_name, body, expected) => {
    const { http } = core([json(403, body)]);
    await expect(http.request(capture)).rejects.toMatchObject(expected);
  });

  it('keeps a non-JSON error body as the detail', async () => {
    const { http } = core([new Response('<html>Bad gateway</html>', { status: 404 })]);
    await expect(http.request(capture)).rejects.toMatchObject({ status: 404, detail: '<html>Bad gateway</html>' });
  });

  it('rejects a response missing required fields as invalid-response, and accepts extra fields', async () => {
    const a = core([json(200, { surprise: 1 })]);
    await expect(a.http.request(capture)).rejects.toMatchObject({ code: 'invalid-response', status: 200 });
    const b = core([json(200, { ok: true, extra: 'fine' })]);
    await expect(b.http.request(capture)).resolves.toMatchObject({ data: { ok: true } });
  });

  it('validates the request body first and sends nothing when it is wrong', async () => {
    const { http, calls } = core([json(200, { ok: true })]);
    const err = await http
      .request({ ...capture, body: { modificationAmount: { currency: 'NOK', value: 1.5 } }, requestSchema: z.object({ modificationAmount: z.object({ value: z.number().int() }) }) })
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'invalid-request' });
    expect(err.detail).toContain('modificationAmount.value');
    expect(calls).toHaveLength(0);
  });

  it('refuses an over-long Idempotency-Key instead of sending it', async () => {
    const { http, calls } = core([json(200, { ok: true })]);
    await expect(http.request({ ...capture, idempotencyKey: 'k'.repeat(51) })).rejects.toMatchObject({ code: 'invalid-request' });
    expect(calls).toHaveLength(0);
  });

  it('on 401 invalidates the token and retries once with a fresh one', async () => {
    const { http, calls, invalidated } = core([json(401, {}), json(200, { ok: true })]);
    await http.request(capture);
    expect(invalidated).toEqual(['tok-1']);
    expect(calls.map((c) => c.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);

    const twice = core([json(401, {}), json(401, {}), json(200, { ok: true })]);
    await expect(twice.http.request(capture)).rejects.toMatchObject({ status: 401 });
    expect(twice.calls).toHaveLength(2);
  });

  it('treats 204 as success with no body', async () => {
    const { http } = core([new Response(null, { status: 204 })]);
    await expect(http.request({ operation: 'webhooks.delete', method: 'DELETE', path: '/webhooks/v1/webhooks/x', response: { none: true } })).resolves.toMatchObject({ status: 204 });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it.each([
    ['5', 5000],
    ['0', 0],
    ['Wed, 01 May 2024 12:00:10 GMT', 10_000],
    ['Wed, 01 May 2024 11:00:00 GMT', 0],
    ['soon', undefined]
  ])('%s → %s ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
  it('absent → undefined', () => expect(parseRetryAfter(null, now)).toBeUndefined());
});
