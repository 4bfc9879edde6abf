/**
 * The pretend app for Recurring: the page `vippsConfirmationUrl` opens. A PENDING agreement can be
 * accepted (the user picks who they are and their `maxAmount` for VARIABLE pricing) or rejected;
 * an ACTIVE one can have its `maxAmount` changed or be stopped by the user, as in the real app.
 * Plain HTML forms (ids `#accept`, `#reject`, `#max-amount`, `#save-max`, `#stop`), so it works
 * without JavaScript and in a headless browser. After accept or reject the browser goes (303) to
 * the agreement's `merchantRedirectUrl`.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { formatKroner } from './app-page.js';
import type { SandboxContext } from './context.js';
import { accept, changeMaxAmount, chargesOf, expireAgreements, intervalText, processCharges, recurringState, rejectAgreement, stopAgreement, type Agreement } from './recurring-state.js';
import { confirmationUrl } from './recurring.js';
import { TEST_USERS } from './test-users.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}
button{font-size:1.05rem;padding:.6rem 1.2rem;margin:.3rem 0;border-radius:.5rem;border:0}#accept,#save-max{background:#ff5b24;color:#fff}
#reject,#stop{background:#ddd}.note{color:#666;font-size:.9rem}label{display:block;margin:.5rem 0}</style></head>
<body><p class="note">Vipps MobilePay sandbox (not the real app)</p>${body}</body></html>`;
}

/** "1500" or "1 500,50" kr → øre; undefined when not a positive amount. */
function kronerToOre(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = /^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(raw.replace(/[\s\u00a0]/g, ''));
  if (!m) return undefined;
  const ore = Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
  return ore >= 100 && ore <= 2_000_000 ? ore : undefined;
}

export function recurringAppPageRoutes(ctx: SandboxContext): Hono {
  const app = new Hono();
  const html = (c: Context, body: string, status = 200) => c.html(body, status as ContentfulStatusCode);
  const unknown = (c: Context) => html(c, page('Unknown agreement', '<h1>Unknown agreement</h1><p>This agreement link is not valid.</p>'), 404);

  const find = (id: string, token: unknown): Agreement | undefined =>
    typeof token === 'string' && token ? Object.values(recurringState(ctx).agreements).find((a) => a.id === id && a.token === token) : undefined;

  app.get('/app/agreements/:id', (c) => {
    expireAgreements(ctx);
    processCharges(ctx);
    const a = find(c.req.param('id'), c.req.query('token'));
    return a ? html(c, render(a)) : unknown(c);
  });

  app.post('/app/agreements/:id/:action', async (c) => {
    expireAgreements(ctx);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const a = find(c.req.param('id'), form.token);
    if (!a) return unknown(c);
    const action = c.req.param('action');
    if (action === 'accept') {
      const phone = typeof form.phone === 'string' ? form.phone : a.phoneNumber ?? TEST_USERS[0]!.phoneNumber;
      const max = a.pricing.type === 'VARIABLE' ? kronerToOre(form.maxAmount) : undefined;
      if (a.pricing.type === 'VARIABLE' && max === undefined) return html(c, render(a, 'Enter a maximum between 1 and 20 000 kr.'), 400);
      if (!TEST_USERS.some((u) => u.phoneNumber === phone)) return html(c, render(a, 'Pick one of the test users.'), 400);
      if (!accept(ctx, a, phone, max)) return html(c, render(a), 409);
      return c.redirect(a.merchantRedirectUrl, 303);
    }
    if (action === 'reject') {
      if (!rejectAgreement(ctx, a)) return html(c, render(a), 409);
      return c.redirect(a.merchantRedirectUrl, 303);
    }
    if (action === 'max-amount') {
      const max = kronerToOre(form.maxAmount);
      if (max === undefined) return html(c, render(a, 'Enter a maximum between 1 and 20 000 kr.'), 400);
      if (!changeMaxAmount(ctx, a, max)) return html(c, render(a), 409);
      return html(c, render(a, 'Your maximum is changed.'));
    }
    if (action === 'stop') {
      if (!stopAgreement(ctx, a, 'USER')) return html(c, render(a), 409);
      return html(c, render(a, 'The agreement is stopped.'));
    }
    return unknown(c);
  });

  // The phone's list of agreements (like the app's "Payments and agreements"), ?phone=47….
  app.get('/app/agreements', (c) => {
    expireAgreements(ctx);
    const phone = c.req.query('phone');
    const list = Object.values(recurringState(ctx).agreements).filter((a) => (a.status === 'ACTIVE' || a.status === 'PENDING') && (!phone || a.userPhone === phone || a.phoneNumber === phone));
    const items = list.map((a) => `<li><a href="${esc(confirmationUrl(ctx, a))}">${esc(a.productName)} (${a.status})</a></li>`).join('');
    return html(c, page('Agreements', `<h1>Agreements</h1>${items ? `<ul>${items}</ul>` : '<p>No agreements.</p>'}`));
  });

  function render(a: Agreement, message?: string): string {
    const variable = a.pricing.type === 'VARIABLE';
    const price = variable
      ? `<p>Variable amount, up to <span id="max">${esc(formatKroner(a.pricing.maxAmount ?? a.pricing.suggestedMaxAmount!, 'NOK'))}</span> ${esc(intervalText(a.interval))}. Suggested: ${esc(formatKroner(a.pricing.suggestedMaxAmount!, 'NOK'))}.</p>`
      : `<p>${esc(formatKroner(a.pricing.amount!, 'NOK'))} ${esc(intervalText(a.interval))}</p>`;
    const head = `<h1>${esc(ctx.merchantName)}</h1><h2>${esc(a.productName)}</h2>${a.productDescription ? `<p>${esc(a.productDescription)}</p>` : ''}${price}${
      message ? `<p id="message">${esc(message)}</p>` : ''
    }`;
    const base = `${ctx.publicBaseUrl}/app/agreements/${encodeURIComponent(a.id)}`;
    const token = `<input type="hidden" name="token" value="${esc(a.token)}">`;
    const maxInput = (value: number) => `<label>My maximum (kr) <input id="max-amount" name="maxAmount" inputmode="decimal" value="${value / 100}"></label>`;
    if (a.status === 'PENDING') {
      const who = TEST_USERS.map((u) => `<option value="${esc(u.phoneNumber)}"${u.phoneNumber === a.phoneNumber ? ' selected' : ''}>${esc(u.name)} (+${esc(u.phoneNumber)})</option>`).join('');
      return page(
        ctx.merchantName,
        `${head}<p id="status" data-state="PENDING">Accept this agreement?</p>
<form method="post" action="${esc(`${base}/accept`)}">${token}<label>I am <select id="phone" name="phone">${who}</select></label>${variable ? maxInput(a.pricing.suggestedMaxAmount!) : ''}<button id="accept" type="submit">Accept</button></form>
<form method="post" action="${esc(`${base}/reject`)}">${token}<button id="reject" type="submit">Reject</button></form>`
      );
    }
    const back = `<p><a id="back" href="${esc(a.merchantAgreementUrl)}">Manage at ${esc(ctx.merchantName)}</a></p>`;
    if (a.status !== 'ACTIVE') return page(ctx.merchantName, `${head}<p id="status" data-state="${a.status}"><strong>This agreement is ${a.status.toLowerCase()}.</strong></p>${back}`);
    const waiting = chargesOf(ctx, a).filter((ch) => ch.status === 'DUE' && variable && ch.amount > (a.pricing.maxAmount ?? 0));
    const due = waiting.length
      ? `<p id="waiting">${waiting.length} charge(s) wait for a higher maximum: ${waiting.map((ch) => esc(formatKroner(ch.amount, 'NOK'))).join(', ')}.</p>`
      : '';
    return page(
      ctx.merchantName,
      `${head}<p id="status" data-state="ACTIVE">Active.</p>${due}
${variable ? `<form method="post" action="${esc(`${base}/max-amount`)}">${token}${maxInput(a.pricing.maxAmount ?? a.pricing.suggestedMaxAmount!)}<button id="save-max" type="submit">Save maximum</button></form>` : ''}
<form method="post" action="${esc(`${base}/stop`)}">${token}<button id="stop" type="submit">Stop agreement</button></form>${back}`
    );
  }

  return app;
}
