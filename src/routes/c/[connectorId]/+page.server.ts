import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { connectorIdSchema } from '$lib/shared/api';
import { amountFromForm } from '$lib/amount';
import { sessionCookieOptions } from '$lib/server/cookies';
import { NOT_A_FORM, readForm } from '$lib/server/form';
import { requestOrigin } from '$lib/server/request-origin';

const NOT_FOUND = 'We could not find this connector. Check the code on the sticker, or try another connector.';

export const load: PageServerLoad = async ({ params, locals, setHeaders }) => {
  if (!connectorIdSchema.safeParse(params.connectorId).success) error(404, NOT_FOUND);
  const connector = await locals.plugpay.connector(params.connectorId);
  if (!connector) error(404, NOT_FOUND);
  // Status and price must be fresh every time the QR code is scanned.
  setHeaders({ 'cache-control': 'no-store' });
  return { connector };
};

export const actions: Actions = {
  reserve: async (event) => {
    const { params, request, locals, cookies, url } = event;
    const form = await readForm(request);
    if (!form) return fail(400, { message: NOT_A_FORM, custom: '' });
    const custom = String(form.get('custom') ?? '');
    const preset = String(form.get('preset') ?? '');

    if (!connectorIdSchema.safeParse(params.connectorId).success) return fail(404, { message: NOT_FOUND, custom });
    const connector = await locals.plugpay.connector(params.connectorId);
    if (!connector) return fail(404, { message: NOT_FOUND, custom });
    if (!connector.available) {
      return fail(409, { message: connector.unavailableReason ?? 'This connector cannot start a charge right now.', custom });
    }

    // Same rule as in the browser; the server is the one that counts.
    const amount = amountFromForm({ preset, custom }, connector.reserve);
    if (!amount.ok) return fail(400, { message: amount.message, custom });

    const started = await locals.plugpay.startSession({ connectorId: connector.id, amountOre: amount.amountOre }, requestOrigin(event));
    if ('status' in started) return fail(started.status, { message: started.message, custom });

    cookies.set(locals.plugpay.sessionCookieName(started.sessionId), started.token, sessionCookieOptions(url));
    redirect(303, started.redirectUrl);
  }
};
