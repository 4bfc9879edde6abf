import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { connectorIdSchema, sessionTokenSchema, type BridgeError, type PlugpayBridge } from '$lib/shared/api';
import { amountFromForm } from '$lib/amount';
import { sessionCookieOptions } from '$lib/server/cookies';
import { readForm } from '$lib/server/form';
import { requestOrigin } from '$lib/server/request-origin';
import type { Cookies } from '@sveltejs/kit';
import { driverError } from '$lib/server/error-words';
import { amountProblemWords, formFailureWords } from '$lib/driver/connector-words';
import { formatMoneyShort } from '$lib/i18n/format';
import { getLocale } from '$lib/paraglide/runtime';
import type { ReserveLimits } from '$lib/amount';
import { MEMBER_COOKIE } from '$lib/shared/member-cookie';

/** What went wrong: a code, and its words in the driver's language, worded here so the page's script carries none of them. */
type FailCode = 'not-a-form' | 'not-found' | 'unavailable' | 'amount' | 'provider-down' | 'expired' | 'too-many' | 'failed';

function failed(status: number, code: FailCode, custom = '', amount?: { code?: string; limits: ReserveLimits }) {
  const locale = getLocale();
  const message =
    code === 'amount' && amount
      ? amountProblemWords(amount.code, formatMoneyShort(amount.limits.minOre, locale), formatMoneyShort(amount.limits.maxOre, locale))
      : formFailureWords(code);
  return fail(status, { code, custom, amountCode: amount?.code, message });
}

function codeOf(e: BridgeError): FailCode {
  if (e.status === 409) return 'unavailable';
  if (e.status === 400) return 'amount';
  if (e.status === 404) return 'not-found';
  if (e.status === 502 || e.status === 503) return 'provider-down';
  if (e.status === 429) return 'too-many';
  return 'failed';
}

/**
 * The session holding this connector, when this browser started it (its cookie holds the
 * session's token): a driver is never locked out of their own connector.
 */
async function ownSession(plugpay: PlugpayBridge, cookies: Cookies, connectorId: string) {
  const sessionId = await plugpay.sessionOnConnector(connectorId);
  if (!sessionId) return null;
  const token = cookies.get(plugpay.sessionCookieName(sessionId));
  if (!token || !sessionTokenSchema.safeParse(token).success) return null;
  const view = await plugpay.session(sessionId, token);
  if ('status' in view) return null;
  return { sessionId, token, state: view.state, reservedOre: view.reservedOre };
}

export const load: PageServerLoad = async ({ params, locals, setHeaders, cookies }) => {
  if (!connectorIdSchema.safeParse(params.connectorId).success) error(404, driverError(404, 'connector-not-found'));
  const connector = await locals.plugpay.connector(params.connectorId);
  if (!connector) error(404, driverError(404, 'connector-not-found'));

  const own = await ownSession(locals.plugpay, cookies, connector.id);
  // Scanning your own connector again while it charges: straight to your charge.
  if (own && own.state !== 'awaiting_payment') redirect(303, `/s/${own.sessionId}`);

  // Status and price are checked again on every visit, but the page may be kept in the
  // back/forward cache (no-store would forbid that); the live status follows over Socket.IO.
  setHeaders({ 'cache-control': 'private, no-cache' });
  return {
    connector,
    own: own ? { sessionId: own.sessionId, reservedOre: own.reservedOre } : null,
    // Whether a member may be signed in here (the member panel asks for the view only then).
    memberCookie: cookies.get(MEMBER_COOKIE) !== undefined
  };
};

export const actions: Actions = {
  reserve: async (event) => {
    const { params, request, locals, cookies, url } = event;
    const form = await readForm(request);
    if (!form) return failed(400, 'not-a-form');
    const custom = String(form.get('custom') ?? '');
    const preset = String(form.get('preset') ?? '');

    if (!connectorIdSchema.safeParse(params.connectorId).success) return failed(404, 'not-found', custom);
    const connector = await locals.plugpay.connector(params.connectorId);
    if (!connector) return failed(404, 'not-found', custom);
    if (!connector.available) return failed(409, 'unavailable', custom);

    // Same rule as in the browser; the server is the one that counts.
    const amount = amountFromForm({ preset, custom }, connector.reserve);
    if (!amount.ok) return failed(400, 'amount', custom, { code: amount.code, limits: connector.reserve });

    const started = await locals.plugpay.startSession({ connectorId: connector.id, amountOre: amount.amountOre }, requestOrigin(event));
    if ('status' in started) return failed(started.status, codeOf(started), custom, { limits: connector.reserve });

    cookies.set(locals.plugpay.sessionCookieName(started.sessionId), started.token, sessionCookieOptions(url));
    redirect(303, started.redirectUrl);
  },

  /** Back to the same payment in Vipps MobilePay (the driver left the approval page). */
  resume: async ({ params, locals, cookies }) => {
    if (!connectorIdSchema.safeParse(params.connectorId).success) return failed(404, 'not-found');
    const own = await ownSession(locals.plugpay, cookies, params.connectorId);
    if (!own || own.state !== 'awaiting_payment') return failed(409, 'expired');
    const target = await locals.plugpay.paymentUrl(own.sessionId, own.token);
    if ('status' in target) return failed(target.status, target.status === 409 ? 'expired' : codeOf(target));
    redirect(303, target.url);
  },

  /** The driver changed their mind before approving: cancel the payment, free the connector. */
  cancel: async ({ params, locals, cookies }) => {
    if (!connectorIdSchema.safeParse(params.connectorId).success) return failed(404, 'not-found');
    const own = await ownSession(locals.plugpay, cookies, params.connectorId);
    if (!own || own.state !== 'awaiting_payment') return failed(409, 'expired');
    const result = await locals.plugpay.cancelPayment(own.sessionId, own.token);
    if ('status' in result) return failed(result.status, codeOf(result));
    redirect(303, `/c/${encodeURIComponent(params.connectorId)}?cancelled=1`);
  }
};
