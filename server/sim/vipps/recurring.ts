/**
 * Recurring API v3 routes (REC recurring-v3.yaml; RECD; API-NOTES §10): agreements (draft, list,
 * get, patch, force-accept) and charges (create, list, get, get by id, cancel, capture, refund),
 * plus the sandbox-only day clock at `/_sandbox/recurring/clock`.
 *
 * Errors are REC `ErrorV3` (`extraDetails: [{field, text}]`, `application/json;charset=UTF-8`);
 * the gateway's 401/403 keep the Azure shape (auth.ts). Every POST/PATCH/DELETE needs an
 * `Idempotency-Key` of 1–40 characters without `#`, `?`, `/` or `\` (REC `Idempotency-Key`);
 * the same key and body replays the first answer, a different body is a 409 (RECD).
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { requireAuth } from './auth.js';
import type { SandboxContext } from './context.js';
import { bodyHash, IdempotencyRecords } from './idempotency.js';
import {
  accept,
  advanceClock,
  cancelCharge,
  captureCharge,
  chargesOf,
  daysBetween,
  expireAgreements,
  intervalLimit,
  intervalText,
  newAgreementId,
  newChargeId,
  newToken,
  newUuid,
  processCharges,
  recurringNow,
  recurringState,
  refundCharge,
  stopAgreement,
  today,
  usedInInterval,
  type Agreement,
  type Charge,
  type ChargeStatus
} from './recurring-state.js';
import { acceptableUrl } from './urls.js';

const PROBLEMS = 'https://developer.vippsmobilepay.com/docs/APIs/recurring-api/recurring-api-problems';
const TITLES: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity' };

interface Detail {
  field: string;
  text: string;
}

/** REC `ErrorV3`. */
export function recurringProblem(c: Context, status: number, detail: string, extraDetails: Detail[] = []): Response {
  const body = {
    type: `${PROBLEMS}#${status === 400 ? 'validation-error' : status === 404 ? 'not-found' : status === 409 ? 'conflict' : 'error'}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: c.req.path,
    contextId: randomUUID(),
    ...(extraDetails.length ? { extraDetails } : {})
  };
  return c.body(JSON.stringify(body), status as ContentfulStatusCode, { 'content-type': 'application/json;charset=UTF-8' });
}

const json = (c: Context, status: number, body: unknown) => c.body(JSON.stringify(body), status as ContentfulStatusCode, { 'content-type': 'application/json;charset=UTF-8' });
const issues = (e: z.ZodError): Detail[] => e.issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', text: i.message }));

const intervalShape = z.object({ unit: z.enum(['YEAR', 'MONTH', 'WEEK', 'DAY']), count: z.number().int().min(1).max(31) });
const int32 = z.number().int();

const draftShape = z.object({
  pricing: z.object({
    type: z.enum(['LEGACY', 'VARIABLE']).optional(),
    currency: z.literal('NOK'),
    amount: int32.min(100).optional(),
    suggestedMaxAmount: int32.min(100).max(2_000_000).optional()
  }),
  interval: intervalShape,
  merchantRedirectUrl: z.string().min(1).max(1024),
  merchantAgreementUrl: z.string().min(1).max(1024),
  productName: z.string().min(1).max(45),
  productDescription: z.string().max(100).optional(),
  phoneNumber: z.string().regex(/^\d{8,15}$/).optional(),
  externalId: z.string().min(1).max(64).optional(),
  countryCode: z.literal('NO').optional(),
  isApp: z.boolean().optional(),
  skipLandingPage: z.boolean().optional(),
  scope: z.string().optional(),
  campaign: z.unknown().optional(),
  initialCharge: z.unknown().optional()
});

const patchShape = z
  .object({
    productName: z.string().min(1).max(45).optional(),
    productDescription: z.string().max(100).optional(),
    merchantAgreementUrl: z.string().min(1).max(1024).optional(),
    externalId: z.string().min(1).max(64).optional(),
    status: z.literal('STOPPED').optional(),
    pricing: z.object({ amount: int32.min(100).optional(), suggestedMaxAmount: int32.min(100).max(2_000_000).optional() }).strict().optional(),
    interval: z.object({ type: z.literal('RECURRING').optional(), period: intervalShape }).optional()
  })
  .strict();

const chargeShape = z.object({
  amount: int32.min(100),
  transactionType: z.enum(['DIRECT_CAPTURE', 'RESERVE_CAPTURE']),
  description: z.string().min(1).max(45),
  due: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
  retryDays: int32.min(0).max(14),
  orderId: z.string().min(1).max(50).regex(/^[a-zA-Z\d-]+$/).optional(),
  externalId: z.string().min(1).max(64).optional()
});

const modifyShape = z.object({ amount: int32.min(100), description: z.string().min(1) });

const STATUS_FILTER = z.enum(['PENDING', 'ACTIVE', 'STOPPED', 'EXPIRED']);
const CHARGE_FILTER = z.enum(['PENDING', 'DUE', 'RESERVED', 'CHARGED', 'PARTIALLY_CAPTURED', 'FAILED', 'CANCELLED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'PROCESSING']);

export function agreementResponse(ctx: SandboxContext, a: Agreement) {
  const pricing =
    a.pricing.type === 'VARIABLE'
      ? // VariableAmountPricingResponse requires maxAmount: until the user picks, the suggestion.
        { type: 'VARIABLE', currency: 'NOK', suggestedMaxAmount: a.pricing.suggestedMaxAmount!, maxAmount: a.pricing.maxAmount ?? a.pricing.suggestedMaxAmount! }
      : { type: 'LEGACY', currency: 'NOK', amount: a.pricing.amount! };
  return {
    id: a.id,
    uuid: a.uuid,
    status: a.status,
    pricing,
    interval: { ...a.interval, text: intervalText(a.interval) },
    productName: a.productName,
    ...(a.productDescription ? { productDescription: a.productDescription } : {}),
    created: a.created,
    start: a.start ?? null,
    stop: a.stop ?? null,
    merchantAgreementUrl: a.merchantAgreementUrl,
    merchantRedirectUrl: a.merchantRedirectUrl,
    ...(a.externalId ? { externalId: a.externalId } : {}),
    countryCode: 'NO',
    sub: null,
    userinfoUrl: null,
    vippsConfirmationUrl: confirmationUrl(ctx, a)
  };
}

export function confirmationUrl(ctx: SandboxContext, a: Agreement): string {
  return `${ctx.publicBaseUrl}/app/agreements/${encodeURIComponent(a.id)}?token=${encodeURIComponent(a.token)}`;
}

export function chargeResponse(c: Charge) {
  return {
    id: c.id,
    agreementId: c.agreementId,
    amount: c.amount,
    currency: 'NOK',
    description: c.description,
    due: `${c.due}T00:00:00Z`,
    status: c.status,
    type: 'RECURRING',
    transactionType: c.transactionType,
    retryDays: c.retryDays,
    externalId: c.externalId,
    transactionId: c.transactionId,
    ...(c.failureReason ? { failureReason: c.failureReason, failureDescription: c.failureDescription ?? c.failureReason } : {}),
    summary: { captured: c.captured, refunded: c.refunded, cancelled: c.cancelled },
    history: c.history
  };
}

export function recurringRoutes(ctx: SandboxContext): Hono {
  const app = new Hono();
  const records = new IdempotencyRecords(ctx.store);
  const msnOf = (c: Context) => c.req.header('Merchant-Serial-Number') || ctx.credentials.merchantSerialNumber;

  app.use('/recurring/v3/*', requireAuth(ctx, { msnRequired: false }));
  app.use('/recurring/v3/*', async (_c, next) => {
    expireAgreements(ctx);
    processCharges(ctx);
    await next();
  });

  const findAgreement = (c: Context): Agreement | undefined => recurringState(ctx).agreements[`${msnOf(c)}:${c.req.param('agreementId')}`];
  const findCharge = (c: Context, a: Agreement | undefined): Charge | undefined => {
    const ch = recurringState(ctx).charges[`${msnOf(c)}:${c.req.param('chargeId')}`];
    return ch && (!a || ch.agreementId === a.id) ? ch : undefined;
  };
  const noAgreement = (c: Context) => recurringProblem(c, 404, 'No agreement with this id.', [{ field: 'agreementId', text: 'not found' }]);
  const noCharge = (c: Context) => recurringProblem(c, 404, 'No charge with this id on this agreement.', [{ field: 'chargeId', text: 'not found' }]);

  /** Runs `handler` under the Idempotency-Key rules (RECD "Idempotency Key header"). */
  async function idempotent(c: Context, handler: (body: unknown, key: string) => Response | Promise<Response>): Promise<Response> {
    const key = c.req.header('Idempotency-Key');
    if (!key) return recurringProblem(c, 400, 'The Idempotency-Key header is required.', [{ field: 'Idempotency-Key', text: 'required' }]);
    if (key.length > 40 || /[#?/\\]/.test(key)) {
      return recurringProblem(c, 400, 'The Idempotency-Key must be 1–40 characters without #, ?, / or \\.', [{ field: 'Idempotency-Key', text: 'invalid' }]);
    }
    const raw = await c.req.text();
    const hash = bodyHash(raw);
    const msn = msnOf(c);
    const prior = records.lookup(msn, c.req.method, c.req.path, key, hash);
    if (prior.kind === 'conflict') return recurringProblem(c, 409, 'This Idempotency-Key was already used with a different request.', [{ field: 'Idempotency-Key', text: 'conflict' }]);
    if (prior.kind === 'replay') return new Response(prior.body === undefined ? null : JSON.stringify(prior.body), { status: prior.status, headers: { 'content-type': prior.contentType } });
    let body: unknown;
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = Symbol('invalid');
      }
    }
    const res = typeof body === 'symbol' ? recurringProblem(c, 400, 'The request body is not valid JSON.') : await handler(body, key);
    const text = await res.clone().text();
    records.save(msn, c.req.method, c.req.path, key, hash, res.status, text === '' ? undefined : JSON.parse(text), res.headers.get('content-type') ?? 'application/json;charset=UTF-8');
    return res;
  }

  // Agreements ---------------------------------------------------------------------------------

  app.post('/recurring/v3/agreements', (c) =>
    idempotent(c, (body) => {
      const parsed = draftShape.safeParse(body);
      if (!parsed.success) return recurringProblem(c, 400, 'Input validation failed.', issues(parsed.error));
      const d = parsed.data;
      const type = d.pricing.type ?? 'LEGACY';
      if (type === 'VARIABLE' && d.pricing.suggestedMaxAmount === undefined) return recurringProblem(c, 400, 'pricing.suggestedMaxAmount is required with VARIABLE pricing.', [{ field: 'pricing.suggestedMaxAmount', text: 'required' }]);
      if (type === 'LEGACY' && d.pricing.amount === undefined) return recurringProblem(c, 400, 'pricing.amount is required with LEGACY pricing.', [{ field: 'pricing.amount', text: 'required' }]);
      if (type === 'VARIABLE' && d.campaign !== undefined) return recurringProblem(c, 400, 'A campaign cannot be combined with VARIABLE pricing.', [{ field: 'campaign', text: 'not allowed' }]);
      if (d.skipLandingPage) return recurringProblem(c, 403, 'skipLandingPage is not enabled for this sales unit.', [{ field: 'skipLandingPage', text: 'not allowed' }]);
      if (!acceptableUrl(d.merchantRedirectUrl, true)) return recurringProblem(c, 400, 'merchantRedirectUrl must be https or a deeplink.', [{ field: 'merchantRedirectUrl', text: 'invalid' }]);
      if (!acceptableUrl(d.merchantAgreementUrl, false)) return recurringProblem(c, 400, 'merchantAgreementUrl must be https.', [{ field: 'merchantAgreementUrl', text: 'invalid' }]);
      const now = recurringNow(ctx);
      const a: Agreement = {
        msn: msnOf(c),
        id: newAgreementId(),
        uuid: newUuid(),
        token: newToken(),
        status: 'PENDING',
        pricing: type === 'VARIABLE' ? { type, currency: 'NOK', suggestedMaxAmount: d.pricing.suggestedMaxAmount } : { type, currency: 'NOK', amount: d.pricing.amount },
        interval: d.interval,
        productName: d.productName,
        ...(d.productDescription ? { productDescription: d.productDescription } : {}),
        merchantRedirectUrl: d.merchantRedirectUrl,
        merchantAgreementUrl: d.merchantAgreementUrl,
        ...(d.phoneNumber ? { phoneNumber: d.phoneNumber } : {}),
        ...(d.externalId ? { externalId: d.externalId } : {}),
        created: now.toISOString(),
        expiresAt: new Date(ctx.now().getTime() + ctx.expiryMs).toISOString()
      };
      recurringState(ctx).agreements[`${a.msn}:${a.id}`] = a;
      ctx.store.changed();
      return json(c, 201, { agreementId: a.id, uuid: a.uuid, vippsConfirmationUrl: confirmationUrl(ctx, a), chargeId: null });
    })
  );

  app.get('/recurring/v3/agreements', (c) => {
    const status = STATUS_FILTER.safeParse(c.req.query('status') ?? 'ACTIVE');
    if (!status.success) return recurringProblem(c, 400, 'Unknown status.', [{ field: 'status', text: 'invalid' }]);
    const after = c.req.query('createdAfter');
    const afterMs = after === undefined ? 0 : Number(after);
    if (!Number.isFinite(afterMs)) return recurringProblem(c, 400, 'createdAfter must be a number (epoch milliseconds).', [{ field: 'createdAfter', text: 'invalid' }]);
    const list = Object.values(recurringState(ctx).agreements)
      .filter((a) => a.msn === msnOf(c) && a.status === status.data && Date.parse(a.created) > afterMs)
      .sort((x, y) => x.created.localeCompare(y.created))
      .map((a) => agreementResponse(ctx, a));
    return json(c, 200, list);
  });

  app.get('/recurring/v3/agreements/:agreementId', (c) => {
    const a = findAgreement(c);
    return a ? json(c, 200, agreementResponse(ctx, a)) : noAgreement(c);
  });

  app.patch('/recurring/v3/agreements/:agreementId', (c) =>
    idempotent(c, (body) => {
      const a = findAgreement(c);
      if (!a) return noAgreement(c);
      const parsed = patchShape.safeParse(body);
      if (!parsed.success) return recurringProblem(c, 400, 'Input validation failed.', issues(parsed.error));
      const p = parsed.data;
      if (p.status === 'STOPPED') {
        // A stop must come alone (TK recurring).
        if (Object.keys(p).length > 1) return recurringProblem(c, 400, 'A PATCH that stops an agreement must contain nothing but the status.', [{ field: 'status', text: 'must be alone' }]);
        if (a.status === 'STOPPED' || a.status === 'EXPIRED') return recurringProblem(c, 400, `The agreement is already ${a.status}.`, [{ field: 'status', text: 'not active' }]);
        stopAgreement(ctx, a, 'MERCHANT');
        return c.body(null, 204);
      }
      if (a.status !== 'ACTIVE' && a.status !== 'PENDING') return recurringProblem(c, 400, `A ${a.status} agreement cannot be changed.`, [{ field: 'status', text: 'not active' }]);
      if (p.pricing?.amount !== undefined && a.pricing.type !== 'LEGACY') return recurringProblem(c, 400, 'pricing.amount can only be changed on LEGACY agreements.', [{ field: 'pricing.amount', text: 'not allowed' }]);
      if (p.pricing?.suggestedMaxAmount !== undefined && a.pricing.type !== 'VARIABLE') return recurringProblem(c, 400, 'pricing.suggestedMaxAmount can only be changed on VARIABLE agreements.', [{ field: 'pricing.suggestedMaxAmount', text: 'not allowed' }]);
      if (p.merchantAgreementUrl !== undefined && !acceptableUrl(p.merchantAgreementUrl, false)) return recurringProblem(c, 400, 'merchantAgreementUrl must be https.', [{ field: 'merchantAgreementUrl', text: 'invalid' }]);
      if (p.productName !== undefined) a.productName = p.productName;
      if (p.productDescription !== undefined) a.productDescription = p.productDescription;
      if (p.merchantAgreementUrl !== undefined) a.merchantAgreementUrl = p.merchantAgreementUrl;
      if (p.externalId !== undefined) a.externalId = p.externalId;
      if (p.interval) a.interval = p.interval.period;
      // Only suggestedMaxAmount changes; the user is not notified and keeps their maxAmount (RECD).
      if (p.pricing?.suggestedMaxAmount !== undefined) a.pricing.suggestedMaxAmount = p.pricing.suggestedMaxAmount;
      if (p.pricing?.amount !== undefined) a.pricing.amount = p.pricing.amount;
      ctx.store.changed();
      return c.body(null, 204);
    })
  );

  app.patch('/recurring/v3/agreements/:agreementId/accept', (c) =>
    idempotent(c, (body) => {
      const a = findAgreement(c);
      if (!a) return noAgreement(c);
      const parsed = z.object({ phoneNumber: z.string().regex(/^\d{8,15}$/) }).safeParse(body);
      if (!parsed.success) return recurringProblem(c, 400, 'Input validation failed.', issues(parsed.error));
      if (!accept(ctx, a, parsed.data.phoneNumber)) return recurringProblem(c, 400, `Only a PENDING agreement can be accepted; this one is ${a.status}.`, [{ field: 'status', text: a.status }]);
      return c.body(null, 204);
    })
  );

  // Charges ------------------------------------------------------------------------------------

  app.post('/recurring/v3/agreements/:agreementId/charges', (c) =>
    idempotent(c, (body, key) => {
      const a = findAgreement(c);
      if (!a) return noAgreement(c);
      const parsed = chargeShape.safeParse(body);
      if (!parsed.success) return recurringProblem(c, 400, 'Input validation failed.', issues(parsed.error));
      const ch = parsed.data;
      if (a.status !== 'ACTIVE') return recurringProblem(c, 400, 'Cannot create a charge for an agreement which is not active.', [{ field: 'agreement.status', text: a.status }]);
      if (Number.isNaN(Date.parse(`${ch.due}T00:00:00Z`))) return recurringProblem(c, 400, 'due is not a date.', [{ field: 'due', text: 'invalid' }]);
      // REC: at least one day ahead in the test environment (two in production), at most two years.
      const ahead = daysBetween(today(ctx), ch.due);
      if (ahead < 1) return recurringProblem(c, 400, 'due must be at least one day in the future.', [{ field: 'due', text: 'too early' }]);
      if (ahead > 730) return recurringProblem(c, 400, 'due must be at most two years ahead.', [{ field: 'due', text: 'too late' }]);
      const limit = intervalLimit(a);
      const used = usedInInterval(ctx, a, ch.due);
      if (used + ch.amount > limit) {
        return recurringProblem(c, 400, `The charges of this interval would add up to ${used + ch.amount}, above the agreement's limit of ${limit}.`, [{ field: 'amount', text: 'above the limit' }]);
      }
      const msn = msnOf(c);
      const id = ch.orderId ?? newChargeId();
      if (recurringState(ctx).charges[`${msn}:${id}`]) return recurringProblem(c, 409, `A charge with orderId ${id} already exists.`, [{ field: 'orderId', text: 'exists' }]);
      const charge: Charge = {
        msn,
        id,
        agreementId: a.id,
        amount: ch.amount,
        description: ch.description,
        due: ch.due,
        retryDays: ch.retryDays,
        transactionType: ch.transactionType,
        // Charges show as DUE in the app about 30 days before `due` (RECD).
        status: ahead <= 30 ? 'DUE' : 'PENDING',
        externalId: ch.externalId ?? id,
        transactionId: String(5_000_000_000 + Math.floor(Math.random() * 4_000_000_000)),
        captured: 0,
        refunded: 0,
        cancelled: 0,
        history: [{ occurred: recurringNow(ctx).toISOString(), event: 'CREATE', amount: ch.amount, idempotencyKey: key, success: true }]
      };
      recurringState(ctx).charges[`${msn}:${id}`] = charge;
      ctx.store.changed();
      return json(c, 201, { chargeId: id });
    })
  );

  app.get('/recurring/v3/agreements/:agreementId/charges', (c) => {
    const a = findAgreement(c);
    if (!a) return noAgreement(c);
    const status = c.req.query('status');
    if (status !== undefined && !CHARGE_FILTER.safeParse(status).success) return recurringProblem(c, 400, 'Unknown status.', [{ field: 'status', text: 'invalid' }]);
    return json(c, 200, chargesOf(ctx, a).filter((ch) => !status || ch.status === (status as ChargeStatus)).map(chargeResponse));
  });

  app.get('/recurring/v3/agreements/:agreementId/charges/:chargeId', (c) => {
    const a = findAgreement(c);
    if (!a) return noAgreement(c);
    const ch = findCharge(c, a);
    return ch ? json(c, 200, chargeResponse(ch)) : noCharge(c);
  });

  app.get('/recurring/v3/charges/:chargeId', (c) => {
    const ch = findCharge(c, undefined);
    return ch ? json(c, 200, chargeResponse(ch)) : noCharge(c);
  });

  app.delete('/recurring/v3/agreements/:agreementId/charges/:chargeId', (c) =>
    idempotent(c, (_body, key) => {
      const a = findAgreement(c);
      if (!a) return noAgreement(c);
      const ch = findCharge(c, a);
      if (!ch) return noCharge(c);
      if (!['PENDING', 'DUE', 'RESERVED', 'PARTIALLY_CAPTURED'].includes(ch.status)) return recurringProblem(c, 400, `A ${ch.status} charge cannot be cancelled.`, [{ field: 'status', text: ch.status }]);
      cancelCharge(ctx, ch, key);
      return c.body(null, 204);
    })
  );

  for (const op of ['capture', 'refund'] as const) {
    app.post(`/recurring/v3/agreements/:agreementId/charges/:chargeId/${op}`, (c) =>
      idempotent(c, (body, key) => {
        const a = findAgreement(c);
        if (!a) return noAgreement(c);
        const ch = findCharge(c, a);
        if (!ch) return noCharge(c);
        const parsed = modifyShape.safeParse(body);
        if (!parsed.success) return recurringProblem(c, 400, 'Input validation failed.', issues(parsed.error));
        const amount = parsed.data.amount;
        if (op === 'capture') {
          // Only RESERVE_CAPTURE charges are captured (REC CaptureChargeV3).
          if (ch.status !== 'RESERVED' && ch.status !== 'PARTIALLY_CAPTURED') return recurringProblem(c, 400, `A ${ch.status} charge cannot be captured.`, [{ field: 'status', text: ch.status }]);
          if (amount > ch.amount - ch.captured - ch.cancelled) return recurringProblem(c, 400, 'The amount is above what is left to capture.', [{ field: 'amount', text: 'too high' }]);
          captureCharge(ctx, ch, amount, key);
        } else {
          if (!['CHARGED', 'PARTIALLY_CAPTURED', 'PARTIALLY_REFUNDED'].includes(ch.status)) return recurringProblem(c, 400, `A ${ch.status} charge cannot be refunded.`, [{ field: 'status', text: ch.status }]);
          if (amount > ch.captured - ch.refunded) return recurringProblem(c, 400, 'The amount is above what is left to refund.', [{ field: 'amount', text: 'too high' }]);
          refundCharge(ctx, ch, amount, key);
        }
        return c.body(null, 204);
      })
    );
  }

  // The sandbox's day clock (not part of the API).
  app.get('/_sandbox/recurring/clock', (c) => c.json({ now: recurringNow(ctx).toISOString(), today: today(ctx), offsetMs: recurringState(ctx).offsetMs }));
  app.post('/_sandbox/recurring/clock', async (c) => {
    const parsed = z
      .object({ advanceDays: z.number().int().min(0).max(3650).optional(), advanceSeconds: z.number().int().min(0).max(315_360_000).optional() })
      .safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ title: 'Bad Request', status: 400, detail: 'Send {advanceDays} or {advanceSeconds}.' }, 400);
    advanceClock(ctx, (parsed.data.advanceDays ?? 0) * 86_400_000 + (parsed.data.advanceSeconds ?? 0) * 1000);
    return c.json({ now: recurringNow(ctx).toISOString(), today: today(ctx), offsetMs: recurringState(ctx).offsetMs });
  });

  return app;
}

