/**
 * Webhooks API v1 (WH swagger; WHD api-guide, events, request-authentication; API-NOTES §7):
 * registration routes, and the dispatcher that signs and delivers events with retries,
 * strictly in order per registration per payment.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import { requireAuth } from './auth.js';
import type { SandboxContext } from './context.js';
import type { Faults } from './faults.js';
import { webhooksProblem } from './problems.js';
import { signWebhook } from './signature.js';
import type { Payment, PaymentEvent, StateStore, WebhookRegistration } from './state.js';
import { isLoopbackHost } from './urls.js';

/** Event names a registration may ask for (WHD events.md; TK webhooks). */
export const KNOWN_EVENTS = new Set([
  ...['created', 'aborted', 'expired', 'cancelled', 'captured', 'refunded', 'authorized', 'terminated'].map((n) => `epayments.payment.${n}.v1`),
  ...['activated', 'rejected', 'stopped', 'expired'].map((n) => `recurring.agreement-${n}.v1`),
  ...['reserved', 'captured', 'canceled', 'failed', 'refunded', 'creation-failed'].map((n) => `recurring.charge-${n}.v1`),
  'user.checked-in.v1',
  'login.merchant-initiated.ping.v1',
]);

/**
 * Registrations per event: WH says 5, TK (newer) says 25 and 1 for `user.checked-in.v1`.
 * CONFLICT (API-NOTES §7): we follow TK, the newer source.
 */
const MAX_PER_EVENT = 25;

export function webhookEventType(name: PaymentEvent['name']): string {
  return `epayments.payment.${name.toLowerCase()}.v1`;
}

export interface DispatcherOptions {
  store: StateStore;
  fetch: typeof fetch;
  now: () => Date;
  logger: Logger;
  faults: Faults;
  /** first retry delay; doubles each attempt (WHD: exponential backoff) */
  retryBaseMs: number;
  /** give up after this many attempts (WHD: Vipps retries for 7 days) */
  maxAttempts: number;
  /** a delivery not answered within this counts as failed (WHD: 10 s) */
  timeoutMs: number;
  /** how long a delivery picked for reordering waits for a successor */
  reorderHoldMs: number;
}

interface Delivery {
  id: string;
  registration: WebhookRegistration;
  payload: Record<string, unknown>;
}

/** Delivers webhook events; one FIFO queue per (registration, payment reference). */
export class WebhookDispatcher {
  private queues = new Map<string, { items: Delivery[]; running: boolean; arrived?: () => void }>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private wakeups = new Set<() => void>();

  constructor(private readonly o: DispatcherOptions) {}

  /** Queue one ePayment event for every registration of its MSN that asked for it. */
  publishPaymentEvent(p: Payment, e: PaymentEvent): void {
    const type = webhookEventType(e.name);
    const payload = {
      msn: p.msn,
      reference: e.reference,
      pspReference: e.pspReference,
      name: e.name,
      amount: e.amount,
      timestamp: e.timestamp,
      ...(e.idempotencyKey ? { idempotencyKey: e.idempotencyKey } : {}),
      success: e.success,
    };
    this.publish(p.msn, type, p.reference, payload);
  }

  /**
   * Queue one event of `type` for every registration of `msn` that asked for it, in order per
   * registration and `subject` (a payment's reference, an agreement's id).
   */
  publish(msn: string, type: string, subject: string, payload: Record<string, unknown>): void {
    for (const reg of Object.values(this.o.store.data.webhooks)) {
      if (reg.msn !== msn || !reg.events.includes(type)) continue;
      const d: Delivery = { id: randomUUID(), registration: reg, payload };
      const queue = `${reg.id}|${subject}`;
      this.o.store.data.pendingWebhooks.push({ id: d.id, queue, registrationId: reg.id, payload });
      this.o.store.changed();
      this.enqueue(queue, d);
    }
  }

  /** Picks up the deliveries a previous run of the sandbox left undone, in their order. */
  resume(): void {
    for (const w of [...this.o.store.data.pendingWebhooks]) {
      const registration = this.o.store.data.webhooks[w.registrationId];
      if (registration) this.enqueue(w.queue, { id: w.id, registration, payload: w.payload });
      else this.forget(w.id);
    }
  }

  /** A delivery is done (delivered, given up or dropped): it no longer survives a restart. */
  private forget(id: string): void {
    const list = this.o.store.data.pendingWebhooks;
    const i = list.findIndex((w) => w.id === id);
    if (i >= 0) {
      list.splice(i, 1);
      this.o.store.changed();
    }
  }

  private enqueue(key: string, d: Delivery): void {
    if (this.closed) return;
    let q = this.queues.get(key);
    if (!q) {
      q = { items: [], running: false };
      this.queues.set(key, q);
    }
    q.items.push(d);
    q.arrived?.();
    if (!q.running) void this.run(key, q);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakeups.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.wakeups.add(done);
    });
  }

  private async run(key: string, q: { items: Delivery[]; running: boolean; arrived?: () => void }): Promise<void> {
    q.running = true;
    try {
      while (q.items.length && !this.closed) {
        if (this.o.faults.takeWebhook('reorder')) {
          if (q.items.length < 2) {
            await Promise.race([new Promise<void>((r) => (q.arrived = r)), this.sleep(this.o.reorderHoldMs)]);
            q.arrived = undefined;
          }
          if (q.items.length >= 2) [q.items[0], q.items[1]] = [q.items[1]!, q.items[0]!];
        }
        const d = q.items[0]!;
        if (this.o.faults.takeWebhook('drop')) {
          this.o.logger.info({ reference: d.payload.reference, name: d.payload.name }, 'sandbox webhook dropped (fault)');
          q.items.shift();
          this.forget(d.id);
          continue;
        }
        // A failing delivery blocks the later ones of the same payment (WHD api-guide).
        for (let attempt = 1; !this.closed; attempt++) {
          if (await this.send(d)) break;
          if (attempt >= this.o.maxAttempts) {
            this.o.logger.warn({ url: d.registration.url, reference: d.payload.reference, name: d.payload.name, attempt }, 'sandbox webhook given up');
            break;
          }
          await this.sleep(this.o.retryBaseMs * 2 ** (attempt - 1));
        }
        if (this.closed) break; // not done: it stays pending for the next start
        if (this.o.faults.takeWebhook('duplicate')) await this.send(d);
        q.items.shift();
        this.forget(d.id);
      }
    } finally {
      q.running = false;
      if (!q.items.length) this.queues.delete(key);
      this.checkIdle();
    }
  }

  private async send(d: Delivery): Promise<boolean> {
    // The registration may have been deleted meanwhile: then nothing is sent any more.
    if (!this.o.store.data.webhooks[d.registration.id]) return true;
    const body = JSON.stringify(d.payload);
    const headers = signWebhook(d.registration.url, d.registration.secret, body, this.o.now());
    try {
      const res = await this.o.fetch(d.registration.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        redirect: 'manual', // WH: the URL must not redirect; a 3xx is not a success
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return true;
      this.o.logger.info({ url: d.registration.url, status: res.status, name: d.payload.name }, 'sandbox webhook delivery refused');
      return false;
    } catch (err) {
      this.o.logger.info({ url: d.registration.url, err: (err as Error).message, name: d.payload.name }, 'sandbox webhook delivery failed');
      return false;
    }
  }

  private checkIdle(): void {
    if (this.queues.size === 0 || this.closed) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      w.forEach((r) => r());
    }
  }

  /** Resolves when every queue is empty (all deliveries done, given up, or dropped). */
  flush(): Promise<void> {
    if (this.queues.size === 0 || this.closed) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stop delivering; pending deliveries stay in the state file and resume on the next start. */
  close(): void {
    this.closed = true;
    for (const w of [...this.wakeups]) w();
    for (const q of this.queues.values()) q.arrived?.();
    this.checkIdle();
  }
}

const registerBody = z.object({ url: z.string().min(1), events: z.array(z.string().min(1)).min(1) });

/** Registration routes (WH): register (201 {id, secret}), list, delete (204). */
export function webhookRoutes(ctx: SandboxContext): Hono {
  const app = new Hono();
  app.use('/webhooks/v1/*', requireAuth(ctx, { msnRequired: false }));
  const msnOf = (c: Context) => c.req.header('Merchant-Serial-Number') || ctx.credentials.merchantSerialNumber;

  app.post('/webhooks/v1/webhooks', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return webhooksProblem(c, 400, 'The request body must be JSON.');
    }
    const parsed = registerBody.safeParse(body);
    if (!parsed.success) return webhooksProblem(c, 400, 'Invalid registration.', parsed.error.issues.map((i) => ({ name: i.path.join('.') || 'body', reason: i.message })));
    const { url, events } = parsed.data;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return webhooksProblem(c, 400, 'url must be an absolute URL.', [{ name: 'url', reason: 'not a URL' }]);
    }
    // WH: the URL must use HTTPS. Sandbox deviation: http is allowed for loopback receivers,
    // which is where the sandbox's clients listen.
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
      return webhooksProblem(c, 400, 'url must use https.', [{ name: 'url', reason: 'https required' }]);
    }
    const unknown = events.filter((e) => !KNOWN_EVENTS.has(e));
    if (unknown.length) return webhooksProblem(c, 400, `Unknown event(s): ${unknown.join(', ')}.`, unknown.map((e) => ({ name: 'events', reason: `unknown event ${e}` })));
    const msn = msnOf(c);
    const regs = Object.values(ctx.store.data.webhooks).filter((r) => r.msn === msn);
    for (const e of events) {
      const limit = e === 'user.checked-in.v1' ? 1 : MAX_PER_EVENT;
      if (regs.filter((r) => r.events.includes(e)).length >= limit) {
        return webhooksProblem(c, 400, `Too many registrations for ${e} (limit ${limit}).`, [{ name: 'events', reason: 'limit reached' }]);
      }
    }
    const reg: WebhookRegistration = { id: randomUUID(), url, events: [...new Set(events)], secret: randomBytes(64).toString('base64'), msn };
    ctx.store.data.webhooks[reg.id] = reg;
    ctx.store.changed();
    // The secret is shown only here (TK webhooks).
    return c.json({ id: reg.id, secret: reg.secret }, 201);
  });

  app.get('/webhooks/v1/webhooks', (c) => {
    const msn = msnOf(c);
    const webhooks = Object.values(ctx.store.data.webhooks)
      .filter((r) => r.msn === msn)
      .map((r) => ({ id: r.id, url: r.url, events: r.events }));
    return c.json({ webhooks });
  });

  app.delete('/webhooks/v1/webhooks/:id', (c) => {
    const reg = ctx.store.data.webhooks[c.req.param('id')];
    // WH documents only 204 and 400; an unknown id is answered 404 (not in the document).
    if (!reg || reg.msn !== msnOf(c)) return webhooksProblem(c, 404, 'No such webhook registration.');
    delete ctx.store.data.webhooks[reg.id];
    ctx.store.changed();
    return c.body(null, 204);
  });
  return app;
}
