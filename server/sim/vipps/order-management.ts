/**
 * Order Management API v2 (OM swagger current; OMD; TKD order-management; API-NOTES §9):
 * receipts (once only), categories (overwrite), and reading both back.
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { requireAuth } from './auth.js';
import type { SandboxContext } from './context.js';
import { invalidParamsError } from './problems.js';
import { receiptSchema } from './receipt.js';

const ORDER_ID = /^[0-9A-Za-z\-_.]+$/;

const categorySchema = z.object({
  category: z.enum(['GENERAL', 'RECEIPT', 'ORDER_CONFIRMATION', 'DELIVERY', 'TICKET', 'BOOKING']),
  orderDetailsUrl: z.string().min(1).url(),
  imageId: z.string().min(1).max(128).regex(/^[0-9A-Za-z\-_.]+$/).nullable().optional(),
});

export function orderManagementRoutes(ctx: SandboxContext): Hono {
  const app = new Hono();
  app.use('/order-management/*', requireAuth(ctx, { msnRequired: false }));
  const msnOf = (c: Context) => c.req.header('Merchant-Serial-Number') || ctx.credentials.merchantSerialNumber;

  /**
   * paymentType: the OM enum is `ECOM | RECURRING`, while OMD and TKD write `ecom`/`recurring`.
   * CONFLICT (API-NOTES §9): we accept either case and store the upper-case form.
   */
  function target(c: Context): { key: string } | Response {
    const paymentType = c.req.param('paymentType')!.toUpperCase();
    const orderId = c.req.param('orderId')!;
    if (paymentType !== 'ECOM' && paymentType !== 'RECURRING') return invalidParamsError(c, 400, 'paymentType must be ECOM or RECURRING.', [{ name: 'paymentType', reason: 'unknown' }]);
    if (!ORDER_ID.test(orderId)) return invalidParamsError(c, 400, 'orderId may only contain letters, digits and -_.', [{ name: 'orderId', reason: 'pattern' }]);
    return { key: `${msnOf(c)}:${paymentType}:${orderId}` };
  }

  async function body(c: Context): Promise<{ ok: true; value: unknown } | { ok: false }> {
    try {
      return { ok: true, value: await c.req.json() };
    } catch {
      return { ok: false };
    }
  }
  const issues = (e: z.ZodError) => e.issues.map((i) => ({ name: i.path.join('.') || 'body', reason: i.message }));

  app.post('/order-management/v2/:paymentType/receipts/:orderId', async (c) => {
    const t = target(c);
    if (t instanceof Response) return t;
    const b = await body(c);
    if (!b.ok) return invalidParamsError(c, 400, 'The body must be JSON.');
    const parsed = receiptSchema.safeParse(b.value);
    if (!parsed.success) return invalidParamsError(c, 400, 'One or more validation errors occurred.', issues(parsed.error));
    const rec = ctx.store.data.orders[t.key] ?? {};
    // Receipts are added once; there is no update (OMD; TKD: 409 on conflict).
    if (rec.receipt) return invalidParamsError(c, 409, 'A receipt was already added for this order.', [{ name: 'orderId', reason: 'receipt exists' }]);
    ctx.store.data.orders[t.key] = { ...rec, receipt: parsed.data };
    ctx.store.changed();
    return c.json(randomUUID(), 201);
  });

  app.put('/order-management/v2/:paymentType/categories/:orderId', async (c) => {
    const t = target(c);
    if (t instanceof Response) return t;
    const b = await body(c);
    if (!b.ok) return invalidParamsError(c, 400, 'The body must be JSON.');
    const parsed = categorySchema.safeParse(b.value);
    if (!parsed.success) return invalidParamsError(c, 400, 'One or more validation errors occurred.', issues(parsed.error));
    // Overwrites: only the last category is shown (OMD).
    ctx.store.data.orders[t.key] = { ...(ctx.store.data.orders[t.key] ?? {}), category: parsed.data };
    ctx.store.changed();
    return c.json(randomUUID(), 200);
  });

  app.get('/order-management/v2/:paymentType/:orderId', (c) => {
    const t = target(c);
    if (t instanceof Response) return t;
    const rec = ctx.store.data.orders[t.key];
    const receipt = rec?.receipt ?? rec?.initialReceipt;
    if (!rec || (!receipt && !rec.category)) return invalidParamsError(c, 404, 'No order details for this order.');
    return c.json({ ...(rec.category ? { category: rec.category } : {}), ...(receipt ? { receipt } : {}) });
  });

  return app;
}
