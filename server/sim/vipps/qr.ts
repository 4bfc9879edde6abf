/**
 * QR API v1 (QR swagger; QRD qr-api-guide; API-NOTES §8): merchant-redirect QR codes with real
 * SVG/PNG images, and the personal-QR exchange used in shops.
 *
 * A merchant-redirect QR encodes a sandbox link (`/qr/r/<msn>/<id>`) that redirects to the current
 * `redirectUrl`, so an update changes the target without changing the printed image (QR guide).
 */
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import QRCode from 'qrcode';
import { z } from 'zod';
import { requireAuth } from './auth.js';
import type { SandboxContext } from './context.js';
import { invalidParamsError } from './problems.js';
import type { MerchantRedirectQr } from './state.js';
import { acceptableUrl } from './urls.js';

const ID = /^[-_+%æøåÆØÅ\w\s]*$/;
/** QR `redirectUrl` pattern; the sandbox also lets `http://` through for loopback hosts. */
const REDIRECT_URL = /^https?:\/\/[\w.]+([\w#!:.?+=&%@\-/]+)?$/;
const ACCEPTS = ['image/*', 'image/png', 'image/svg+xml', 'text/targeturl'] as const;
type Format = 'svg' | 'png' | 'text';

function formatOf(accept: string | undefined): Format | null {
  const a = (accept ?? '').split(',')[0]!.split(';')[0]!.trim().toLowerCase();
  if (!ACCEPTS.includes(a as (typeof ACCEPTS)[number])) return null;
  return a === 'image/png' ? 'png' : a === 'text/targeturl' ? 'text' : 'svg';
}

/** Render `text` as an SVG string or PNG bytes (`qrcode` package). */
export async function renderQr(text: string, format: 'svg' | 'png', size = 1024): Promise<string | Buffer> {
  return format === 'svg' ? QRCode.toString(text, { type: 'svg', margin: 2 }) : QRCode.toBuffer(text, { type: 'png', width: size, margin: 2 });
}

/**
 * The sandbox's personal-QR content for a test user. The real content format can change without
 * notice (EP `PersonalQrCode`), so clients must treat it as opaque; here it is deterministic.
 */
export function personalQrFor(msisdn: string): string {
  return `vipps-sandbox://personal-qr/${msisdn}`;
}

/** Deterministic personal QR → MSISDN: our own format maps back, anything else hashes to 47xxxxxxxx. */
export function msisdnForPersonalQr(qrCode: string): string {
  const own = /^vipps-sandbox:\/\/personal-qr\/(\d{10,15})$/.exec(qrCode);
  if (own) return own[1]!;
  const digits = createHash('sha256').update(qrCode).digest().readUInt32BE(0) % 100_000_000;
  return `479${String(digits).padStart(8, '0').slice(1)}`;
}

export function qrRoutes(ctx: SandboxContext): Hono {
  const app = new Hono();
  const key = (msn: string, id: string) => `${msn}:${id}`;
  const msnOf = (c: Context) => c.req.header('Merchant-Serial-Number') || ctx.credentials.merchantSerialNumber;
  const targetLink = (q: MerchantRedirectQr) => `${ctx.publicBaseUrl}/qr/r/${q.msn}/${encodeURIComponent(q.id)}`;
  const live = (q: MerchantRedirectQr | undefined) => (q && (!q.expiresAt || Date.parse(q.expiresAt) > ctx.now().getTime()) ? q : undefined);

  // Public (no auth): what a phone reaches after scanning, and the image links.
  app.get('/qr/r/:msn/:id', (c) => {
    const q = live(ctx.store.data.qr[key(c.req.param('msn'), c.req.param('id'))]);
    if (!q) return c.text('This QR code is no longer active.', 404);
    return c.redirect(q.redirectUrl, 302);
  });
  app.get('/qr-image/merchant-redirect/:msn/:file', async (c) => {
    const m = /^(.+)\.(svg|png)$/.exec(c.req.param('file'));
    const q = m ? live(ctx.store.data.qr[key(c.req.param('msn'), decodeURIComponent(m[1]!))]) : undefined;
    if (!m || !q) return c.text('Not found', 404);
    return image(c, targetLink(q), m[2] as 'svg' | 'png');
  });
  // Image for ePayment `userFlow: QR` redirectUrl links; encodes the given sandbox link only.
  app.get('/qr-image/payment/:ext', async (c) => {
    const data = c.req.query('data') ?? '';
    const ext = c.req.param('ext');
    if (!data.startsWith(ctx.publicBaseUrl) || data.length > 2000 || (ext !== 'svg' && ext !== 'png')) return c.text('Not found', 404);
    return image(c, data, ext);
  });

  async function image(c: Context, text: string, format: 'svg' | 'png'): Promise<Response> {
    const size = Number(c.req.query('size') ?? 1024);
    const out = await renderQr(text, format, Number.isInteger(size) && size >= 100 && size <= 2000 ? size : 1024);
    return c.body(typeof out === 'string' ? out : new Uint8Array(out), 200, { 'content-type': format === 'svg' ? 'image/svg+xml' : 'image/png', 'cache-control': 'no-store' });
  }

  app.use('/qr/v1/*', requireAuth(ctx, { msnRequired: false }));

  const sizeOf = (c: Context): number | null | undefined => {
    const raw = c.req.header('Size');
    if (raw === undefined) return undefined;
    const n = Number(raw);
    return Number.isInteger(n) && n >= 100 && n <= 2000 ? n : null;
  };

  function view(c: Context, q: MerchantRedirectQr, format: Format, size: number | undefined) {
    const url =
      format === 'text'
        ? targetLink(q)
        : `${ctx.publicBaseUrl}/qr-image/merchant-redirect/${q.msn}/${encodeURIComponent(q.id)}.${format}${format === 'png' && size ? `?size=${size}` : ''}`;
    const expiresIn = q.expiresAt ? Math.max(0, Math.floor((Date.parse(q.expiresAt) - ctx.now().getTime()) / 1000)) : -1;
    return { id: q.id, url, redirectUrl: q.redirectUrl, expiresIn };
  }

  /** Parse Accept + Size for create/update (Accept is required: 415 otherwise). */
  function negotiate(c: Context, strict: boolean): { format: Format; size?: number } | Response {
    const format = formatOf(c.req.header('Accept'));
    if (!format && strict) return invalidParamsError(c, 415, 'The Accept header must be image/*, image/png, image/svg+xml or text/targetUrl.', [{ name: 'Accept', reason: 'unsupported' }]);
    const size = sizeOf(c);
    if (size === null) return invalidParamsError(c, 400, 'The Size header must be an integer between 100 and 2000.', [{ name: 'Size', reason: 'out of range' }]);
    // get/list: the document requires Accept too; we fall back to SVG rather than refuse.
    return { format: format ?? 'svg', ...(size ? { size } : {}) };
  }

  async function jsonBody(c: Context): Promise<unknown> {
    try {
      return await c.req.json();
    } catch {
      return Symbol.for('invalid');
    }
  }

  const createBody = z.object({
    id: z.string().min(1).max(128).regex(ID, 'id may only contain letters, digits, spaces and -_+%æøå'),
    redirectUrl: z.string().regex(REDIRECT_URL, 'redirectUrl must be an https URL').refine((u) => acceptableUrl(u, false), 'redirectUrl must be an https URL'),
    ttl: z.number().int().min(300).max(2147483647).nullable().optional(),
  });
  const updateBody = createBody.pick({ redirectUrl: true });
  const issues = (e: z.ZodError) => e.issues.map((i) => ({ name: i.path.join('.') || 'body', reason: i.message }));

  app.post('/qr/v1/merchant-redirect', async (c) => {
    const neg = negotiate(c, true);
    if (neg instanceof Response) return neg;
    const parsed = createBody.safeParse(await jsonBody(c));
    if (!parsed.success) return invalidParamsError(c, 400, 'One or more validation errors occurred.', issues(parsed.error));
    const msn = msnOf(c);
    const k = key(msn, parsed.data.id);
    if (live(ctx.store.data.qr[k])) return invalidParamsError(c, 409, `A QR code with id ${parsed.data.id} already exists.`, [{ name: 'id', reason: 'exists' }]);
    const q: MerchantRedirectQr = {
      msn,
      id: parsed.data.id,
      redirectUrl: parsed.data.redirectUrl,
      ...(parsed.data.ttl ? { expiresAt: new Date(ctx.now().getTime() + parsed.data.ttl * 1000).toISOString() } : {}),
    };
    ctx.store.data.qr[k] = q;
    ctx.store.changed();
    return c.json(view(c, q, neg.format, neg.size), 200);
  });

  app.get('/qr/v1/merchant-redirect', (c) => {
    const neg = negotiate(c, false);
    if (neg instanceof Response) return neg;
    const msn = msnOf(c);
    const all = Object.values(ctx.store.data.qr).filter((q) => q.msn === msn && live(q));
    return c.json(all.map((q) => view(c, q, neg.format, neg.size)));
  });

  app.get('/qr/v1/merchant-redirect/:id', (c) => {
    const neg = negotiate(c, false);
    if (neg instanceof Response) return neg;
    const q = live(ctx.store.data.qr[key(msnOf(c), c.req.param('id'))]);
    if (!q) return invalidParamsError(c, 404, 'QR code not found.');
    return c.json(view(c, q, neg.format, neg.size));
  });

  app.put('/qr/v1/merchant-redirect/:id', async (c) => {
    const neg = negotiate(c, true);
    if (neg instanceof Response) return neg;
    const q = live(ctx.store.data.qr[key(msnOf(c), c.req.param('id'))]);
    if (!q) return invalidParamsError(c, 404, 'QR code not found.');
    const parsed = updateBody.safeParse(await jsonBody(c));
    if (!parsed.success) return invalidParamsError(c, 400, 'One or more validation errors occurred.', issues(parsed.error));
    q.redirectUrl = parsed.data.redirectUrl;
    ctx.store.changed();
    return c.json(view(c, q, neg.format, neg.size));
  });

  app.delete('/qr/v1/merchant-redirect/:id', (c) => {
    const k = key(msnOf(c), c.req.param('id'));
    if (!live(ctx.store.data.qr[k])) return invalidParamsError(c, 404, 'QR code not found.');
    // A deleted code is dead for good, but its id may be reused (QR guide).
    delete ctx.store.data.qr[k];
    ctx.store.changed();
    return c.body(null, 200);
  });

  // Personal QR exchange (QR `/v1/exchange`): complete scanned content → MSISDN.
  app.post('/qr/v1/exchange', async (c) => {
    const body = await jsonBody(c);
    const parsed = z.object({ qrCode: z.string().min(5).max(255), requestedData: z.array(z.literal('MSISDN')).optional() }).safeParse(body);
    if (!parsed.success) {
      // The exchange endpoints use `{title, status, detail, extraDetails}` (QR QrExchangeErrorResponse).
      return c.json({ title: 'Bad Request', status: 400, detail: 'Invalid QR code.', extraDetails: issues(parsed.error) }, 400);
    }
    const own = parsed.data.qrCode.startsWith('vipps-sandbox://');
    return c.json(own ? { msisdn: msisdnForPersonalQr(parsed.data.qrCode), version: '1.0' } : { msisdn: msisdnForPersonalQr(parsed.data.qrCode), version: '2.0', timestamp: Math.floor(ctx.now().getTime() / 1000) });
  });

  return app;
}
