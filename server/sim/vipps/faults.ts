/**
 * Fault injection, so clients can be tested against the failures the docs warn about (KB
 * errors and timeouts; RECD rate limiting with Retry-After; WHD: webhooks can be late, duplicated
 * or missing). Driven in-process through the `Faults` object or over HTTP at `/_sandbox/faults`.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';

export interface HttpFault {
  id: number;
  kind: 'fail' | 'hang' | 'latency';
  /** calls still affected; Infinity = until cleared */
  remaining: number;
  /** only calls whose path contains this (e.g. "/epayment/v1/payments") */
  pathPrefix?: string;
  status?: number;
  retryAfterSeconds?: number;
  ms?: number;
}

export type WebhookFault = 'drop' | 'duplicate' | 'reorder';

export class Faults {
  private http: HttpFault[] = [];
  private webhook: Record<WebhookFault, number> = { drop: 0, duplicate: 0, reorder: 0 };
  private nextId = 1;
  private hangs = new Set<() => void>();
  private pushMessageBlocked = false;

  /** Fail the next `count` matching calls with `status` (e.g. 500, or 429 with Retry-After). */
  failNext(opts: { count?: number; status?: number; pathPrefix?: string; retryAfterSeconds?: number } = {}): HttpFault {
    return this.add({ kind: 'fail', remaining: opts.count ?? 1, status: opts.status ?? 500, pathPrefix: opts.pathPrefix, retryAfterSeconds: opts.retryAfterSeconds });
  }

  /** The next `count` matching calls never answer (until the sandbox closes): a client timeout. */
  hangNext(opts: { count?: number; pathPrefix?: string } = {}): HttpFault {
    return this.add({ kind: 'hang', remaining: opts.count ?? 1, pathPrefix: opts.pathPrefix });
  }

  /** Delay matching calls by `ms` (all of them until cleared, or the next `count`). */
  addLatency(opts: { ms: number; count?: number; pathPrefix?: string }): HttpFault {
    return this.add({ kind: 'latency', remaining: opts.count ?? Infinity, ms: opts.ms, pathPrefix: opts.pathPrefix });
  }

  /** Drop (never send), duplicate (send twice) or reorder (swap with the next) webhook deliveries. */
  webhooks(mode: WebhookFault, count = 1): void {
    this.webhook[mode] += count;
  }

  /**
   * The sales unit loses (or regains) the right to send PUSH_MESSAGE payments: until undone,
   * creating one answers 5080, as Vipps does for a sales unit without that approval (TK errors).
   */
  refusePushMessage(refuse = true): void {
    this.pushMessageBlocked = refuse;
  }

  pushMessageRefused(): boolean {
    return this.pushMessageBlocked;
  }

  clear(): void {
    this.http = [];
    this.webhook = { drop: 0, duplicate: 0, reorder: 0 };
    this.pushMessageBlocked = false;
  }

  list(): { http: HttpFault[]; webhooks: Record<WebhookFault, number>; pushMessageRefused: boolean } {
    return { http: this.http.map((f) => ({ ...f })), webhooks: { ...this.webhook }, pushMessageRefused: this.pushMessageBlocked };
  }

  /** For the dispatcher: consume one pending webhook fault of `mode`, if any. */
  takeWebhook(mode: WebhookFault): boolean {
    if (this.webhook[mode] <= 0) return false;
    this.webhook[mode]--;
    return true;
  }

  /** Answer every hanging call (with 504), so the sandbox can shut down. */
  releaseHangs(): void {
    for (const r of this.hangs) r();
    this.hangs.clear();
  }

  private add(f: Omit<HttpFault, 'id'>): HttpFault {
    const fault = { ...f, id: this.nextId++ };
    this.http.push(fault);
    return fault;
  }

  private take(path: string, kind: HttpFault['kind']): HttpFault | undefined {
    const f = this.http.find((x) => x.kind === kind && x.remaining > 0 && (!x.pathPrefix || path.includes(x.pathPrefix)));
    if (!f) return undefined;
    f.remaining--;
    if (f.remaining <= 0) this.http = this.http.filter((x) => x !== f);
    return f;
  }

  /** Middleware applying HTTP faults to every API call (not to `/_sandbox/*`). */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const path = c.req.path;
      if (path.includes('/_sandbox/')) return next();
      const lat = this.take(path, 'latency');
      if (lat?.ms) await new Promise((r) => setTimeout(r, lat.ms));
      if (this.take(path, 'hang')) {
        await new Promise<void>((resolve) => this.hangs.add(resolve));
        return c.json({ title: 'Gateway Timeout', status: 504, detail: 'Injected hang released.' }, 504);
      }
      const f = this.take(path, 'fail');
      if (f) {
        const status = (f.status ?? 500) as ContentfulStatusCode;
        const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
        if (f.retryAfterSeconds !== undefined) headers['Retry-After'] = String(f.retryAfterSeconds);
        return c.body(JSON.stringify({ type: 'about:blank', title: 'Injected fault', status, detail: `Injected failure (${status}).`, instance: path, traceId: `fault-${f.id}` }), status, headers);
      }
      return next();
    };
  }
}

const faultBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fail'), count: z.number().int().min(1).optional(), status: z.number().int().min(400).max(599).optional(), pathPrefix: z.string().optional(), retryAfterSeconds: z.number().int().min(0).optional() }),
  z.object({ kind: z.literal('hang'), count: z.number().int().min(1).optional(), pathPrefix: z.string().optional() }),
  z.object({ kind: z.literal('latency'), ms: z.number().int().min(0).max(120_000), count: z.number().int().min(1).optional(), pathPrefix: z.string().optional() }),
  z.object({ kind: z.literal('webhook'), mode: z.enum(['drop', 'duplicate', 'reorder']), count: z.number().int().min(1).optional() }),
  z.object({ kind: z.literal('push-message'), refuse: z.boolean() }),
]);

/** `GET/POST/DELETE /_sandbox/faults`: drive faults of a standalone sandbox over HTTP. */
export function faultRoutes(faults: Faults): Hono {
  const app = new Hono();
  app.get('/_sandbox/faults', (c) => c.json(faults.list()));
  app.delete('/_sandbox/faults', (c) => {
    faults.clear();
    return c.body(null, 204);
  });
  app.post('/_sandbox/faults', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ title: 'Bad Request', status: 400, detail: 'The body must be JSON.' }, 400);
    }
    const parsed = faultBody.safeParse(body);
    if (!parsed.success) {
      return c.json({ title: 'Bad Request', status: 400, detail: 'Invalid fault.', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 400);
    }
    const f = parsed.data;
    if (f.kind === 'webhook') faults.webhooks(f.mode, f.count ?? 1);
    else if (f.kind === 'push-message') faults.refusePushMessage(f.refuse);
    else if (f.kind === 'fail') faults.failNext(f);
    else if (f.kind === 'hang') faults.hangNext(f);
    else faults.addLatency(f);
    return c.json(faults.list(), 201);
  });
  return app;
}
