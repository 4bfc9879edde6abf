/**
 * ePayment API v1 routes (EP epayment.v1.yml; API-NOTES §6): create, get, events, capture,
 * cancel, refund and the test-only force-approve.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { requireAuth } from './auth.js';
import type { SandboxContext } from './context.js';
import { IdempotencyRecords, bodyHash } from './idempotency.js';
import {
  aggregateOf,
  appPageUrl,
  approve,
  cancel,
  capture,
  createPayment,
  expireDue,
  paymentKey,
  refund,
  type Outcome,
} from './payments.js';
import { personalQrProblem } from './personal-qr.js';
import { epaymentProblem, zodIssues } from './problems.js';
import { receiptSchema } from './receipt.js';
import type { Payment } from './state.js';
import { acceptableUrl } from './urls.js';

/**
 * Reference: EP says `^[a-zA-Z0-9-]{8,50}$`, TK (2026) says up to 64. CONFLICT (API-NOTES §6):
 * we accept 8–64 so a client following either document is not refused; clients should keep ≤ 50.
 */
const REFERENCE = /^[a-zA-Z0-9-]{8,64}$/;
const MAX_AMOUNT = 65_000_000;
/** Minimum per payment: 1.00 in the currency (TK; error 6010). */
const MIN_PAYMENT = 100;
const MAX_EXPIRES_AT_MS = 60 * 24 * 3600 * 1000; // CONFLICT: EP 28 days, SDK/TK 60 days; newest wins
const MIN_EXPIRES_AT_MS = 10 * 60 * 1000;

const amountShape = z.object({ currency: z.string(), value: z.unknown() });

const createShape = z.object({
  amount: amountShape,
  paymentMethod: z.object({ type: z.enum(['WALLET', 'CARD']) }),
  reference: z.string(),
  userFlow: z.enum(['PUSH_MESSAGE', 'NATIVE_REDIRECT', 'WEB_REDIRECT', 'QR']),
  returnUrl: z.string().nullable().optional(),
  customer: z.record(z.string(), z.unknown()).nullable().optional(),
  customerInteraction: z.enum(['CUSTOMER_PRESENT', 'CUSTOMER_NOT_PRESENT']).nullable().optional(),
  paymentDescription: z.string().min(3).max(100).nullable().optional(),
  profile: z.object({ scope: z.string().nullable().optional() }).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  receipt: z.unknown().optional(),
  receiptUrl: z.string().nullable().optional(),
  expiresAt: z.string().nullable().optional(),
  qrFormat: z
    .object({ format: z.enum(['TEXT/TARGETURL', 'IMAGE/SVG+XML', 'IMAGE/PNG']), size: z.number().int().min(100).max(2000).nullable().optional() })
    .nullable()
    .optional(),
  industryData: z.unknown().optional(),
  minimumUserAge: z.number().int().nullable().optional(),
});

const modificationShape = z.object({ modificationAmount: amountShape });

type Check = { status: number; code?: string; detail: string; field?: string } | null;

function checkAmount(raw: z.infer<typeof amountShape>, field: string, min: number): Check {
  if (!['NOK', 'DKK', 'EUR'].includes(raw.currency)) return { status: 400, detail: `${field}.currency must be NOK, DKK or EUR.`, field: `${field}.currency` };
  if (typeof raw.value !== 'number' || !Number.isInteger(raw.value)) {
    return { status: 400, code: '4040', detail: `${field}.value must be an integer in minor units (øre).`, field: `${field}.value` };
  }
  if (raw.value < 0 || raw.value > MAX_AMOUNT) return { status: 400, detail: `${field}.value must be between 0 and ${MAX_AMOUNT}.`, field: `${field}.value` };
  if (raw.value < min) return { status: 400, code: min === MIN_PAYMENT ? '6010' : undefined, detail: `${field}.value must be at least ${min}.`, field: `${field}.value` };
  return null;
}

export function epaymentRoutes(ctx: SandboxContext): Hono {
  const app = new Hono();
  const records = new IdempotencyRecords(ctx.store);
  const problem = (c: Context, status: number, detail: string, code?: string, field?: string) =>
    epaymentProblem(c, status, detail, code, field ? [{ name: field, reason: detail }] : []);

  app.use('/epayment/v1/*', requireAuth(ctx, { msnRequired: true, onBadMsn: (c, d) => problem(c, 400, d, '4140', 'Merchant-Serial-Number') }));
  // Lazy expiry on every call; the timer in sandbox.ts covers payments nobody looks at.
  app.use('/epayment/v1/*', async (_c, next) => {
    expireDue(ctx);
    await next();
  });

  const msnOf = (c: Context) => c.req.header('Merchant-Serial-Number')!;
  const find = (c: Context, reference: string): Payment | undefined => ctx.store.data.payments[paymentKey(msnOf(c), reference)];

  /**
   * Run `handler` under the Idempotency-Key rules: required, ≤ 50 chars (EP), replay on the same
   * body, 409 on a different one (code 4010 capture, 4150 refund, 4020 otherwise: API-NOTES §5).
   */
  async function idempotent(c: Context, operation: string, conflictCode: string, handler: (body: unknown, key: string) => Response | Promise<Response>): Promise<Response> {
    const key = c.req.header('Idempotency-Key');
    if (!key) return problem(c, 400, 'The Idempotency-Key header is required.', '4140', 'Idempotency-Key');
    if (key.length > 50) return problem(c, 400, 'The Idempotency-Key header must be at most 50 characters.', undefined, 'Idempotency-Key');
    const raw = await c.req.text();
    const hash = bodyHash(raw);
    const msn = msnOf(c);
    const prior = records.lookup(msn, c.req.method, operation, key, hash);
    if (prior.kind === 'conflict') {
      return problem(c, 409, 'This Idempotency-Key was already used with a different request body.', conflictCode, 'Idempotency-Key');
    }
    if (prior.kind === 'replay') {
      return new Response(prior.body === undefined ? null : JSON.stringify(prior.body), { status: prior.status, headers: { 'content-type': prior.contentType } });
    }
    let body: unknown = undefined;
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        const res = problem(c, 400, 'The request body is not valid JSON.');
        await remember(res);
        return res;
      }
    }
    const res = await handler(body, key);
    await remember(res);
    return res;

    async function remember(res: Response) {
      const text = await res.clone().text();
      records.save(msn, c.req.method, operation, key!, hash, res.status, text === '' ? undefined : JSON.parse(text), res.headers.get('content-type') ?? 'application/json');
    }
  }

  const modificationResponse = (c: Context, p: Payment) =>
    c.json({ amount: p.amount, state: p.state, aggregate: aggregateOf(p), pspReference: p.pspReference, reference: p.reference }, 200);

  const outcome = (c: Context, o: Outcome) => (o.ok ? modificationResponse(c, o.payment) : problem(c, o.error.status, o.error.detail, o.error.code));

  app.post('/epayment/v1/payments', (c) =>
    idempotent(c, 'create', '4020', (body, key) => {
      const parsed = createShape.safeParse(body);
      if (!parsed.success) {
        return epaymentProblem(c, 400, 'The request body is invalid.', '4140', zodIssues(parsed.error.issues));
      }
      const req = parsed.data;
      const bad = validateCreate(req);
      if (bad) return problem(c, bad.status, bad.detail, bad.code, bad.field);
      const msn = msnOf(c);
      if (ctx.store.data.payments[paymentKey(msn, req.reference)]) {
        // KB orderid / TK errors: a reference is unique per MSN; a new attempt needs a new one.
        return problem(c, 409, `A payment with reference ${req.reference} already exists.`, '4150', 'reference');
      }
      const now = ctx.now().getTime();
      const expiresAt = req.expiresAt ? new Date(Date.parse(req.expiresAt)).toISOString() : new Date(now + ctx.expiryMs).toISOString();
      const p = createPayment(
        ctx,
        {
          msn,
          reference: req.reference,
          amount: { currency: req.amount.currency as Payment['amount']['currency'], value: req.amount.value as number },
          userFlow: req.userFlow,
          paymentMethod: req.paymentMethod.type,
          ...(req.returnUrl ? { returnUrl: req.returnUrl } : {}),
          ...(req.paymentDescription ? { paymentDescription: req.paymentDescription } : {}),
          ...(req.customer ? { customer: req.customer as Payment['customer'] } : {}),
          customerInteraction: req.customerInteraction ?? 'CUSTOMER_NOT_PRESENT',
          ...(req.metadata ? { metadata: req.metadata as Record<string, string> } : {}),
          ...(req.profile?.scope ? { profileScope: req.profile.scope } : {}),
          ...(req.qrFormat ? { qrFormat: req.qrFormat } : {}),
          expiresAt,
        },
        key,
      );
      if (req.receipt) {
        // The receipt sent on create is what Order Management shows (TKD order-management). It is
        // kept apart from a receipt POSTed later, so the "once only" POST still works after it.
        const k = `${msn}:ECOM:${req.reference}`;
        ctx.store.data.orders[k] = { ...(ctx.store.data.orders[k] ?? {}), initialReceipt: receiptSchema.parse(req.receipt) };
      }
      return c.json({ ...(redirectUrlFor(p) ? { redirectUrl: redirectUrlFor(p) } : {}), reference: p.reference }, 201);
    }),
  );

  /** PUSH_MESSAGE has no redirectUrl (EP); QR gets a link to a QR image of the app page. */
  function redirectUrlFor(p: Payment): string | undefined {
    if (p.userFlow === 'PUSH_MESSAGE') return undefined;
    if (p.userFlow === 'QR') {
      const fmt = p.qrFormat?.format ?? 'IMAGE/SVG+XML';
      if (fmt === 'TEXT/TARGETURL') return appPageUrl(ctx, p);
      const ext = fmt === 'IMAGE/PNG' ? 'png' : 'svg';
      const size = p.qrFormat?.size ? `&size=${p.qrFormat.size}` : '';
      return `${ctx.publicBaseUrl}/qr-image/payment/${ext}?data=${encodeURIComponent(appPageUrl(ctx, p))}${size}`;
    }
    return appPageUrl(ctx, p);
  }

  function validateCreate(req: z.infer<typeof createShape>): Check {
    if (!REFERENCE.test(req.reference)) return { status: 400, detail: 'reference must match ^[a-zA-Z0-9-]{8,64}$.', field: 'reference' };
    const a = checkAmount(req.amount, 'amount', MIN_PAYMENT);
    if (a) return a;
    // 5040: the currency must be the sales unit's (the sandbox's sales unit is in NOK).
    if (req.amount.currency !== 'NOK') return { status: 400, code: '5040', detail: 'The currency does not match the sales unit (NOK).', field: 'amount.currency' };
    if (req.paymentMethod.type === 'CARD' && req.userFlow !== 'WEB_REDIRECT') {
      return { status: 400, detail: 'paymentMethod CARD can only be combined with userFlow WEB_REDIRECT.', field: 'paymentMethod.type' };
    }
    if (req.userFlow === 'WEB_REDIRECT' && !req.returnUrl) return { status: 400, code: '4140', detail: 'returnUrl is required when userFlow is WEB_REDIRECT.', field: 'returnUrl' };
    if (req.returnUrl && !acceptableUrl(req.returnUrl, true)) {
      return { status: 400, code: '4090', detail: 'returnUrl must use https:// or a custom URL scheme.', field: 'returnUrl' };
    }
    if (req.userFlow === 'PUSH_MESSAGE' && !req.customer) return { status: 400, code: '4140', detail: 'customer is required when userFlow is PUSH_MESSAGE.', field: 'customer' };
    // A sales unit must be approved for PUSH_MESSAGE (EPD customer-present payments; TK 5080).
    if (req.userFlow === 'PUSH_MESSAGE' && ctx.faults?.pushMessageRefused()) {
      return { status: 400, code: '5080', detail: 'userFlow PUSH_MESSAGE is not allowed for this sales unit.', field: 'userFlow' };
    }
    if (req.customer) {
      // EP `Customer` is one of phoneNumber | personalQr | customerToken; more than one is an error.
      const keys = Object.keys(req.customer).filter((k) => req.customer![k] != null);
      if (keys.length !== 1 || !['phoneNumber', 'personalQr', 'customerToken'].includes(keys[0]!)) {
        return { status: 400, detail: 'customer must have exactly one of phoneNumber, personalQr or customerToken.', field: 'customer' };
      }
      const v = req.customer[keys[0]!];
      if (keys[0] === 'phoneNumber' && !(typeof v === 'string' && /^\d{10,15}$/.test(v))) {
        return { status: 400, code: '4070', detail: 'customer.phoneNumber must be an MSISDN (10–15 digits, country code first).', field: 'customer.phoneNumber' };
      }
      if (keys[0] === 'personalQr') {
        const why = typeof v === 'string' ? personalQrProblem(ctx, v) : 'customer.personalQr must be a string.';
        if (why) return { status: 400, code: '4060', detail: why, field: 'customer.personalQr' };
      }
      if (keys[0] === 'customerToken' && !(typeof v === 'string' && v.length > 0)) {
        return { status: 400, code: '4050', detail: 'customer.customerToken is invalid.', field: 'customer.customerToken' };
      }
    }
    if (req.qrFormat && req.userFlow !== 'QR') return { status: 400, detail: 'qrFormat is only allowed with userFlow QR.', field: 'qrFormat' };
    if (req.metadata) {
      const entries = Object.entries(req.metadata);
      if (entries.length > 5) return { status: 400, code: '4100', detail: 'metadata holds at most 5 key-value pairs.', field: 'metadata' };
      for (const [k, v] of entries) {
        if (k.length > 100) return { status: 400, code: '4110', detail: 'metadata keys are at most 100 characters.', field: 'metadata' };
        if (typeof v !== 'string') return { status: 400, code: '4130', detail: 'metadata values must be strings.', field: `metadata.${k}` };
        if (v.length > 500) return { status: 400, code: '4120', detail: 'metadata values are at most 500 characters.', field: `metadata.${k}` };
      }
    }
    if (req.receipt !== undefined && req.receipt !== null) {
      const r = receiptSchema.safeParse(req.receipt);
      if (!r.success) {
        const i = r.error.issues[0]!;
        return { status: 400, detail: `receipt is invalid: ${i.path.join('.')}: ${i.message}`, field: `receipt.${i.path.join('.')}` };
      }
    }
    if (req.expiresAt) {
      // Long-living payments (EPD long-living-payments.md): PUSH_MESSAGE or QR only, need a
      // receipt (6130), and must end > 10 min (6120) and < 28/60 days (6110) from now.
      if (req.userFlow !== 'PUSH_MESSAGE' && req.userFlow !== 'QR') return { status: 400, detail: 'expiresAt can only be used with userFlow PUSH_MESSAGE or QR.', field: 'expiresAt' };
      const at = Date.parse(req.expiresAt);
      if (Number.isNaN(at)) return { status: 400, detail: 'expiresAt must be an RFC 3339 date-time.', field: 'expiresAt' };
      if (!req.receipt) return { status: 400, code: '6130', detail: 'expiresAt requires a receipt.', field: 'receipt' };
      const ahead = at - ctx.now().getTime();
      if (ahead <= MIN_EXPIRES_AT_MS) return { status: 400, code: '6120', detail: 'expiresAt must be more than 10 minutes ahead.', field: 'expiresAt' };
      if (ahead >= MAX_EXPIRES_AT_MS) return { status: 400, code: '6110', detail: 'expiresAt is too far ahead.', field: 'expiresAt' };
    }
    return null;
  }

  app.get('/epayment/v1/payments/:reference', (c) => {
    const p = find(c, c.req.param('reference'));
    if (!p) return problem(c, 404, 'Payment not found.', '5090', 'reference');
    return c.json({
      aggregate: aggregateOf(p),
      amount: p.amount,
      state: p.state,
      paymentMethod: { type: p.paymentMethod },
      profile: p.sub ? { sub: p.sub } : {},
      pspReference: p.pspReference,
      ...(p.userFlow !== 'PUSH_MESSAGE' ? { redirectUrl: redirectUrlFor(p) } : {}),
      reference: p.reference,
      ...(p.metadata ? { metadata: p.metadata } : {}),
    });
  });

  app.get('/epayment/v1/payments/:reference/events', (c) => {
    const p = find(c, c.req.param('reference'));
    if (!p) return problem(c, 404, 'Payment not found.', '5090', 'reference');
    return c.json(p.events);
  });

  const modification = (op: 'capture' | 'refund', conflict: string) => (c: Context) => {
    const reference = c.req.param('reference')!;
    return idempotent(c, `${op} ${reference}`, conflict, (body, key) => {
      const p = find(c, reference);
      if (!p) return problem(c, 404, 'Payment not found.', '5090', 'reference');
      const parsed = modificationShape.safeParse(body);
      if (!parsed.success) return epaymentProblem(c, 400, 'The request body is invalid.', '4140', zodIssues(parsed.error.issues));
      const bad = checkAmount(parsed.data.modificationAmount, 'modificationAmount', 1);
      if (bad) return problem(c, bad.status, bad.detail, bad.code, bad.field);
      const amount = parsed.data.modificationAmount as Payment['amount'];
      return outcome(c, op === 'capture' ? capture(ctx, p, amount, key) : refund(ctx, p, amount, key));
    });
  };
  app.post('/epayment/v1/payments/:reference/capture', modification('capture', '4010'));
  app.post('/epayment/v1/payments/:reference/refund', modification('refund', '4150'));

  app.post('/epayment/v1/payments/:reference/cancel', (c) => {
    const reference = c.req.param('reference');
    return idempotent(c, `cancel ${reference}`, '4020', (body, key) => {
      const p = find(c, reference);
      if (!p) return problem(c, 404, 'Payment not found.', '5090', 'reference');
      // The body is optional: `{cancelTransactionOnly?: boolean}` (SDK types; not in EP 1.4.1).
      const parsed = z.object({ cancelTransactionOnly: z.boolean().nullable().optional() }).nullable().optional().safeParse(body);
      if (!parsed.success) return epaymentProblem(c, 400, 'The request body is invalid.', '4140', zodIssues(parsed.error.issues));
      return outcome(c, cancel(ctx, p, parsed.data?.cancelTransactionOnly === true, key));
    });
  });

  // Test-only force approve (EP; TK): `{customer?, token?}` → 200; the token is the one in the
  // create redirectUrl. No Idempotency-Key is documented for it.
  app.post('/epayment/v1/test/payments/:reference/approve', async (c) => {
    const p = find(c, c.req.param('reference'));
    if (!p) return problem(c, 404, 'Payment not found.', '5090', 'reference');
    const raw = await c.req.text();
    let body: unknown = {};
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        return problem(c, 400, 'The request body is not valid JSON.');
      }
    }
    const parsed = z.object({ customer: z.record(z.string(), z.unknown()).nullable().optional(), token: z.string().nullable().optional() }).safeParse(body);
    if (!parsed.success) return epaymentProblem(c, 400, 'The request body is invalid.', '4140', zodIssues(parsed.error.issues));
    if (parsed.data.token && parsed.data.token !== p.token) return problem(c, 400, 'The token does not belong to this payment.', undefined, 'token');
    const o = approve(ctx, p);
    if (!o.ok) return problem(c, o.error.status, o.error.detail, o.error.code);
    return c.body(null, 200);
  });

  return app;
}
