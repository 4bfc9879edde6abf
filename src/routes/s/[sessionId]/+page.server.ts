import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { sessionIdSchema, sessionTokenSchema } from '$lib/shared/api';
import { sessionCookieOptions } from '$lib/server/cookies';
import { NOT_A_FORM, readForm } from '$lib/server/form';

const NOT_FOUND = 'We could not find this charging session.';
const FORBIDDEN =
  'This charging session belongs to another phone, or the link has expired. Open the link on the phone you paid with.';

export const load: PageServerLoad = async ({ params, url, cookies, locals, setHeaders }) => {
  if (!sessionIdSchema.safeParse(params.sessionId).success) error(404, NOT_FOUND);
  const cookieName = locals.plugpay.sessionCookieName(params.sessionId);
  // ?t= comes from the return link out of the Vipps app (another browser may have opened it,
  // without our cookie); the cookie covers every later visit.
  const fromUrl = url.searchParams.get('t');
  const token = fromUrl ?? cookies.get(cookieName);
  if (!token || !sessionTokenSchema.safeParse(token).success) error(403, FORBIDDEN);

  const session = await locals.plugpay.session(params.sessionId, token);
  if ('status' in session) error(session.status, session.status === 403 ? FORBIDDEN : session.message);

  if (fromUrl && cookies.get(cookieName) !== fromUrl) cookies.set(cookieName, fromUrl, sessionCookieOptions(url));
  setHeaders({ 'cache-control': 'no-store' });
  // The page needs the token in the browser for session:join over Socket.IO.
  return { session, token };
};

export const actions: Actions = {
  stop: async ({ params, request, cookies, locals }) => {
    const form = await readForm(request);
    if (!form) return fail(400, { message: NOT_A_FORM });
    const token = String(form.get('t') ?? '') || cookies.get(locals.plugpay.sessionCookieName(params.sessionId)) || '';
    if (!sessionIdSchema.safeParse(params.sessionId).success) return fail(404, { message: NOT_FOUND });
    if (!sessionTokenSchema.safeParse(token).success) return fail(403, { message: FORBIDDEN });
    const stopped = await locals.plugpay.stopSession(params.sessionId, token);
    if ('status' in stopped) return fail(stopped.status, { message: stopped.message });
    return { stopped: true as const };
  }
};
