/**
 * The pretend app of one test user (one phone number): their personal QR code, shown large so a
 * cashier's scanner or camera can read it off the screen, and the inbox of payment requests
 * pushed to them (`userFlow: PUSH_MESSAGE`, addressed by `customer.phoneNumber` or by their
 * scanned `customer.personalQr`), each with its receipt lines and Approve and Reject.
 *
 * Plain HTML forms, so it works without JavaScript. Element ids for tests: `#personal-qr`
 * (the image), `#personal-qr-content` (the code's text), `.request[data-reference]`, and
 * `#approve-<reference>` / `#reject-<reference>`.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { formatKroner } from './app-page.js';
import type { SandboxContext } from './context.js';
import { payerMsisdn } from './personal-qr.js';
import { approve, expireDue, reject } from './payments.js';
import { personalQrFor, renderQr } from './qr.js';
import { receiptSchema, type Receipt } from './receipt.js';
import type { Payment } from './state.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const msisdn = z.string().regex(/^\d{10,15}$/);
/** How many handled requests the inbox still lists under "Earlier". */
const HISTORY = 10;

const STATE_WORDS: Record<Payment['state'], string> = {
  CREATED: 'Waiting for you',
  AUTHORIZED: 'Approved',
  ABORTED: 'Rejected',
  EXPIRED: 'Expired',
  TERMINATED: 'Cancelled by the shop'
};

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#222}
.qr svg{width:16rem;height:16rem;display:block;margin:0 auto}.qr code{display:block;text-align:center;font-size:.8rem;color:#666;word-break:break-all}
.request{border:1px solid #ddd;border-radius:.6rem;padding:.8rem 1rem;margin:1rem 0}.amount{font-size:1.6rem;font-weight:700}
table{width:100%;border-collapse:collapse;font-size:.9rem}td,th{padding:.2rem 0;text-align:left}td.n{text-align:right}
button{font-size:1.05rem;padding:.6rem 1.2rem;margin:.3rem .3rem 0 0;border-radius:.5rem;border:0}.approve{background:#ff5b24;color:#fff}.reject{background:#ddd}
.note{color:#666;font-size:.9rem}</style></head>
<body><p class="note">Vipps MobilePay sandbox (not the real app)</p>${body}</body></html>`;
}

export function pushInboxRoutes(ctx: SandboxContext): Hono {
  const app = new Hono();
  const html = (c: Context, body: string, status = 200) => c.html(body, status as ContentfulStatusCode);
  const inboxUrl = (phone: string) => `${ctx.publicBaseUrl}/app/phone/${phone}`;

  const paymentsOf = (phone: string) =>
    Object.values(ctx.store.data.payments)
      .filter((p) => p.userFlow === 'PUSH_MESSAGE' && payerMsisdn(p) === phone)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  /** The receipt the app shows: one posted through Order Management wins over the one sent on create. */
  const receiptOf = (p: Payment): Receipt | undefined => {
    const o = ctx.store.data.orders[`${p.msn}:ECOM:${p.reference}`];
    const r = receiptSchema.safeParse(o?.receipt ?? o?.initialReceipt);
    return r.success ? r.data : undefined;
  };

  app.get('/app/phone/:msisdn', async (c) => {
    const phone = msisdn.safeParse(c.req.param('msisdn'));
    if (!phone.success) return html(c, page('Unknown phone', '<h1>Unknown phone</h1><p>A test user is a phone number of 10–15 digits, e.g. 4791234567.</p>'), 404);
    expireDue(ctx);
    const qrContent = personalQrFor(phone.data);
    const svg = (await renderQr(qrContent, 'svg')) as string;
    const all = paymentsOf(phone.data);
    const waiting = all.filter((p) => p.state === 'CREATED');
    const earlier = all.filter((p) => p.state !== 'CREATED').slice(0, HISTORY);
    const body =
      `<h1>+${esc(phone.data)}</h1>` +
      `<section class="qr"><h2>My QR code</h2><div id="personal-qr" role="img" aria-label="Personal QR code">${svg}</div><code id="personal-qr-content">${esc(qrContent)}</code></section>` +
      `<section><h2>Payment requests</h2>${waiting.length ? waiting.map((p) => request(p, phone.data)).join('') : '<p id="inbox-empty">No payment requests waiting.</p>'}` +
      `<p><a href="${esc(inboxUrl(phone.data))}">Refresh</a></p></section>` +
      (earlier.length ? `<section><h2>Earlier</h2>${earlier.map((p) => request(p, phone.data)).join('')}</section>` : '');
    return html(c, page(`+${phone.data}`, body));
  });

  for (const action of ['approve', 'reject'] as const) {
    app.post(`/app/phone/:msisdn/payments/:reference/${action}`, async (c) => {
      const phone = c.req.param('msisdn');
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const token = typeof form.token === 'string' ? form.token : undefined;
      const p = token ? paymentsOf(phone).find((x) => x.reference === c.req.param('reference') && x.token === token) : undefined;
      if (!p) return html(c, page('Unknown payment', '<h1>Unknown payment</h1><p>This payment request is not in this inbox.</p>'), 404);
      const o = action === 'approve' ? approve(ctx, p) : reject(ctx, p);
      if (!o.ok) return html(c, page('Too late', `<h1>Too late</h1><p>${esc(o.error.detail)}</p><p><a href="${esc(inboxUrl(phone))}">Back</a></p>`), 409);
      return c.redirect(inboxUrl(phone), 303);
    });
  }

  function request(p: Payment, phone: string): string {
    const r = receiptOf(p);
    const lines = r
      ? `<table class="receipt"><thead><tr><th>Item</th><th>VAT</th><td class="n">Amount</td></tr></thead><tbody>${r.orderLines
          .map(
            (l) =>
              `<tr data-line="${esc(l.id)}"><td>${esc(l.name)}${l.unitInfo && l.unitInfo.quantity !== '1' ? ` × ${esc(l.unitInfo.quantity)}` : ''}</td><td class="vat-rate">${esc(rateWords(l))}</td><td class="n">${esc(formatKroner(l.totalAmount, r.bottomLine.currency))}</td></tr>`
          )
          .join('')}</tbody></table>${vatSummary(r)}${r.bottomLine.posId || r.bottomLine.receiptNumber ? `<p class="note">${r.bottomLine.posId ? `Till ${esc(r.bottomLine.posId)}` : ''}${r.bottomLine.receiptNumber ? ` · receipt ${esc(r.bottomLine.receiptNumber)}` : ''}</p>` : ''}`
      : '';
    const base = `${inboxUrl(phone)}/payments/${encodeURIComponent(p.reference)}`;
    const form = (action: 'approve' | 'reject', label: string) =>
      `<form method="post" action="${esc(`${base}/${action}`)}" style="display:inline"><input type="hidden" name="token" value="${esc(p.token)}"><button id="${action}-${esc(p.reference)}" class="${action}" type="submit">${label}</button></form>`;
    const captured = p.captured > 0 ? ` · paid ${esc(formatKroner(p.captured - p.refunded, p.amount.currency))}` : '';
    return `<div class="request" data-reference="${esc(p.reference)}" data-state="${p.state}"><strong>${esc(ctx.merchantName)}</strong>
<p class="amount">${esc(formatKroner(p.amount.value, p.amount.currency))}</p>${p.paymentDescription ? `<p>${esc(p.paymentDescription)}</p>` : ''}${lines}
<p class="status">${STATE_WORDS[p.state]}${captured}</p>${p.state === 'CREATED' ? form('approve', 'Approve') + form('reject', 'Reject') : ''}</div>`;
  }

  return app;
}

function rateWords(l: { taxRate?: number | null; taxPercentage?: number | null }): string {
  const bp = l.taxRate ?? (l.taxPercentage != null ? l.taxPercentage * 100 : 0);
  return `${bp / 100} %`;
}

/** "VAT 25 %: 379,80 kr" per rate, as the app sums the receipt. */
function vatSummary(r: Receipt): string {
  const by = new Map<number, number>();
  for (const l of r.orderLines) {
    const bp = l.taxRate ?? (l.taxPercentage != null ? l.taxPercentage * 100 : 0);
    by.set(bp, (by.get(bp) ?? 0) + l.totalTaxAmount);
  }
  const parts = [...by.entries()].sort((a, b) => b[0] - a[0]).map(([bp, vat]) => `<li data-vat-rate="${bp}">VAT ${bp / 100} %: ${esc(formatKroner(vat, r.bottomLine.currency))}</li>`);
  return `<ul class="vat">${parts.join('')}</ul>`;
}
