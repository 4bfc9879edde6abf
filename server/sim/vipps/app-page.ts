/**
 * The pretend "Vipps app": the page a payment's `redirectUrl` opens. Plain HTML forms, so it
 * works without JavaScript and in a headless browser (buttons `#approve` and `#reject`).
 * After a choice the browser is sent (303) to the payment's `returnUrl`, as the real app does
 * for WEB_REDIRECT.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { SandboxContext } from './context.js';
import { appPageUrl, approve, expireDue, reject } from './payments.js';
import { payerMsisdn } from './personal-qr.js';
import type { Payment } from './state.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** 35000 øre → "350,00 kr" (Norwegian format; integer arithmetic only). */
export function formatKroner(ore: number, currency: string): string {
  const sign = ore < 0 ? '-' : '';
  const abs = Math.abs(ore);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  const unit = currency === 'NOK' || currency === 'DKK' ? 'kr' : currency;
  return `${sign}${whole},${String(abs % 100).padStart(2, '0')}\u00a0${unit}`;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}
.amount{font-size:2rem;font-weight:700}button{font-size:1.1rem;padding:.7rem 1.4rem;margin:.3rem;border-radius:.5rem;border:0}
#approve{background:#c2410c;color:#fff}#reject{background:#ddd}.note{color:#666;font-size:.9rem}</style></head>
<body><p class="note">Vipps MobilePay sandbox (not the real app)</p>${body}</body></html>`;
}

export function appPageRoutes(ctx: SandboxContext): Hono {
  const app = new Hono();

  const find = (reference: string, token: string | undefined): Payment | undefined =>
    token ? Object.values(ctx.store.data.payments).find((p) => p.reference === reference && p.token === token) : undefined;

  const html = (c: Context, body: string, status = 200) => c.html(body, status as ContentfulStatusCode);

  app.get('/app/payments/:reference', (c) => {
    expireDue(ctx);
    const p = find(c.req.param('reference'), c.req.query('token'));
    if (!p) return html(c, page('Unknown payment', '<h1>Unknown payment</h1><p>This payment link is not valid.</p>'), 404);
    return html(c, render(p));
  });

  for (const action of ['approve', 'reject'] as const) {
    app.post(`/app/payments/:reference/${action}`, async (c) => {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const token = typeof form.token === 'string' ? form.token : c.req.query('token');
      const p = find(c.req.param('reference'), token);
      if (!p) return html(c, page('Unknown payment', '<h1>Unknown payment</h1><p>This payment link is not valid.</p>'), 404);
      const o = action === 'approve' ? approve(ctx, p) : reject(ctx, p);
      if (!o.ok) return html(c, render(p), 409);
      if (p.returnUrl) return c.redirect(p.returnUrl, 303);
      return html(c, render(p));
    });
  }

  // PUSH_MESSAGE payments have no link; the "phone" lists them here (optionally ?phone=47…).
  // One test user's own app (personal QR and inbox) is at /app/phone/<msisdn> (push-inbox.ts).
  app.get('/app', (c) => {
    expireDue(ctx);
    const phone = c.req.query('phone');
    const pending = Object.values(ctx.store.data.payments).filter(
      (p) => p.state === 'CREATED' && p.userFlow === 'PUSH_MESSAGE' && (!phone || payerMsisdn(p) === phone),
    );
    const items = pending
      .map((p) => `<li><a href="${esc(appPageUrl(ctx, p))}">${esc(p.paymentDescription ?? p.reference)}: ${esc(formatKroner(p.amount.value, p.amount.currency))}</a></li>`)
      .join('');
    const own = phone && /^\d{10,15}$/.test(phone) ? `<p><a id="phone-app" href="${esc(`${ctx.publicBaseUrl}/app/phone/${phone}`)}">This phone's app: personal QR code and inbox</a></p>` : '';
    return html(c, page('Payment requests', `<h1>Payment requests</h1>${items ? `<ul>${items}</ul>` : '<p>No payment requests waiting.</p>'}${own}`));
  });

  function render(p: Payment): string {
    const head = `<h1>${esc(ctx.merchantName)}</h1><p class="amount">${esc(formatKroner(p.amount.value, p.amount.currency))}</p>${
      p.paymentDescription ? `<p>${esc(p.paymentDescription)}</p>` : ''
    }<p class="note">Reference ${esc(p.reference)}</p>`;
    const back = p.returnUrl ? `<p><a href="${esc(p.returnUrl)}">Back to ${esc(ctx.merchantName)}</a></p>` : '';
    const status: Record<Exclude<Payment['state'], 'CREATED'>, string> = {
      AUTHORIZED: 'This payment is approved.',
      ABORTED: 'This payment was rejected.',
      EXPIRED: 'This payment has expired.',
      TERMINATED: 'This payment was cancelled by the merchant.',
    };
    if (p.state !== 'CREATED') return page(ctx.merchantName, `${head}<p id="status" data-state="${p.state}"><strong>${status[p.state]}</strong></p>${back}`);
    const base = `${ctx.publicBaseUrl}/app/payments/${encodeURIComponent(p.reference)}`;
    const form = (action: string, label: string) =>
      `<form method="post" action="${esc(`${base}/${action}`)}" style="display:inline"><input type="hidden" name="token" value="${esc(p.token)}"><button id="${action}" type="submit">${label}</button></form>`;
    return page(ctx.merchantName, `${head}<p id="status" data-state="CREATED">Approve this payment?</p>${form('approve', 'Approve')}${form('reject', 'Reject')}`);
  }

  return app;
}
