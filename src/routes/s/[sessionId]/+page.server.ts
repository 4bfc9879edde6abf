import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { sessionIdSchema, sessionTokenSchema } from '$lib/shared/api';
import { sessionCookieOptions } from '$lib/server/cookies';
import { readForm } from '$lib/server/form';
import { driverError } from '$lib/server/error-words';

// Codes: +error.svelte and the page word them in the driver's language.
const NOT_FOUND = 'session-not-found';
const FORBIDDEN = 'session-forbidden';

export const load: PageServerLoad = async ({ params, url, cookies, locals, setHeaders }) => {
  if (!sessionIdSchema.safeParse(params.sessionId).success) error(404, driverError(404, NOT_FOUND));
  const cookieName = locals.plugpay.sessionCookieName(params.sessionId);
  // ?t= comes from the return link out of the Vipps app (another browser may have opened it,
  // without our cookie); the cookie covers every later visit, and the page then takes the token
  // out of the address bar.
  const fromUrl = url.searchParams.get('t');
  const token = fromUrl ?? cookies.get(cookieName);
  if (!token || !sessionTokenSchema.safeParse(token).success) error(403, driverError(403, FORBIDDEN));

  const session = await locals.plugpay.session(params.sessionId, token);
  if ('status' in session) error(session.status, driverError(session.status, session.status === 403 ? FORBIDDEN : session.status === 404 ? NOT_FOUND : 'failed'));

  if (fromUrl && cookies.get(cookieName) !== fromUrl) cookies.set(cookieName, fromUrl, sessionCookieOptions(url));
  setHeaders({ 'cache-control': 'no-store' });
  // The page needs the token in the browser for session:join over Socket.IO.
  return { session, token };
};

export const actions: Actions = {
  stop: async ({ params, request, cookies, locals }) => {
    const form = await readForm(request);
    if (!form) return fail(400, { code: 'not-a-form' });
    const token = String(form.get('t') ?? '') || cookies.get(locals.plugpay.sessionCookieName(params.sessionId)) || '';
    if (!sessionIdSchema.safeParse(params.sessionId).success) return fail(404, { code: NOT_FOUND });
    if (!sessionTokenSchema.safeParse(token).success) return fail(403, { code: FORBIDDEN });
    const stopped = await locals.plugpay.stopSession(params.sessionId, token);
    if ('status' in stopped) return fail(stopped.status, { code: stopped.status === 403 ? FORBIDDEN : 'stop-failed' });
    return { stopped: true as const };
  }
};
