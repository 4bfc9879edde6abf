/**
 * A scripted stand-in for `fetch` for the client's unit tests: each call takes the next scripted
 * answer (a Response, an Error to throw, or a function of the request) and is recorded.
 */
import type { FetchLike } from './http.js';

export interface RecordedCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export type Answer = Response | Error | ((call: RecordedCall, signal: AbortSignal | undefined) => Response | Promise<Response>);

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers }
  });
}

export function problem(status: number, code: string | undefined, extra: Record<string, unknown> = {}): Response {
  return json(status, {
    type: 'https://developer.vippsmobilepay.com/docs/APIs/epayment-api/api-guide/errors',
    title: 'Bad Request',
    status,
    detail: 'Something is off',
    traceId: 'trace-123',
    ...(code ? { extraDetails: [{ name: 'ErrorCode', reason: code }] } : {}),
    ...extra
  });
}

/** A complete `AuthorizationTokenResponse` (access-token.yaml): numbers as strings, token as base64. */
export const TOKEN_BODY = {
  token_type: 'Bearer',
  expires_in: '3600',
  ext_expires_in: '3600',
  expires_on: '1700003600',
  not_before: '1700000000',
  resource: '00000002-0000-0000-c000-000000000000',
  access_token: 'ZmFrZS1qd3Q='
};

export function fakeFetch(script: Answer[], fallback?: Answer) {
  const calls: RecordedCall[] = [];
  const fetch: FetchLike = async (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers as HeadersInit).forEach((v, k) => (headers[k] = v));
    const call: RecordedCall = { url: input, method: init.method ?? 'GET', headers, body: init.body as string | undefined };
    calls.push(call);
    const next = script.shift() ?? fallback;
    if (next === undefined) throw new Error(`unscripted call ${call.method} ${call.url}`);
    if (next instanceof Error) throw next;
    if (typeof next === 'function') return next(call, init.signal ?? undefined);
    return next;
  };
  return { fetch, calls };
}
