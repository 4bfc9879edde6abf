/**
 * Builders for the sandbox's own tests: a sandbox, a token, and a small client over
 * `app.request()` that sends the documented headers.
 */
import { createVippsSandbox, DEFAULT_CREDENTIALS, type VippsSandbox, type VippsSandboxOptions } from './sandbox.js';

export const BASE = 'http://localhost:3000/sandbox/vipps';
export const MSN = DEFAULT_CREDENTIALS.merchantSerialNumber;

export function aSandbox(opts: Partial<VippsSandboxOptions> = {}): VippsSandbox {
  return createVippsSandbox({ publicBaseUrl: BASE, ...opts });
}

export async function tokenFor(sb: VippsSandbox): Promise<string> {
  const res = await sb.app.request('/accesstoken/get', {
    method: 'POST',
    headers: { client_id: DEFAULT_CREDENTIALS.clientId, client_secret: DEFAULT_CREDENTIALS.clientSecret, 'Ocp-Apim-Subscription-Key': DEFAULT_CREDENTIALS.subscriptionKey },
  });
  if (res.status !== 200) throw new Error(`token: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/** A client bound to one sandbox and token. */
export function client(sb: VippsSandbox, token: string) {
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await sb.app.request(path, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        'Ocp-Apim-Subscription-Key': DEFAULT_CREDENTIALS.subscriptionKey,
        'Merchant-Serial-Number': MSN,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      /* keep text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }
  return {
    call,
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body: unknown, key?: string, headers: Record<string, string> = {}) => call('POST', path, body, { ...(key ? { 'Idempotency-Key': key } : {}), ...headers }),
  };
}

let seq = 0;
/** A valid WEB_REDIRECT create body; override any field. */
export function aPayment(over: Record<string, unknown> = {}) {
  seq += 1;
  return {
    amount: { currency: 'NOK', value: 35000 },
    paymentMethod: { type: 'WALLET' },
    reference: `ev-test-${Date.now().toString(36)}-${seq}`,
    userFlow: 'WEB_REDIRECT',
    returnUrl: 'https://plugpay.example/return',
    paymentDescription: 'Charging at Sandvika 3',
    ...over,
  };
}

/** Create and approve through the test endpoint; returns the reference. */
export async function anAuthorizedPayment(api: ReturnType<typeof client>, over: Record<string, unknown> = {}): Promise<string> {
  const body = aPayment(over);
  const created = await api.post('/epayment/v1/payments', body, `${body.reference}-create`);
  if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  const ok = await api.post(`/epayment/v1/test/payments/${body.reference}/approve`, {});
  if (ok.status !== 200) throw new Error(`approve: ${ok.status} ${JSON.stringify(ok.body)}`);
  return body.reference as string;
}
