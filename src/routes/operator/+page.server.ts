import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { OPERATOR_COOKIE, operatorCookieOptions } from '$lib/server/cookies';

export const load: PageServerLoad = async ({ url, cookies, locals, setHeaders }) => {
  setHeaders({ 'cache-control': 'no-store' });
  const fromUrl = url.searchParams.get('token') ?? undefined;
  const token = fromUrl ?? cookies.get(OPERATOR_COOKIE);
  const stations = await locals.plugpay.operatorStations(token);
  if ('status' in stations) {
    if (stations.status === 403) return { authorized: false as const, message: token ? 'That operator token was not accepted.' : null };
    error(stations.status, stations.message);
  }
  if (fromUrl && cookies.get(OPERATOR_COOKIE) !== fromUrl) cookies.set(OPERATOR_COOKIE, fromUrl, operatorCookieOptions(url));
  // The browser needs the token for operator:join over Socket.IO.
  return { authorized: true as const, stations, token: token ?? null };
};

export const actions: Actions = {
  login: async ({ request, cookies, locals, url }) => {
    const token = String((await request.formData()).get('token') ?? '').trim();
    if (!token || token.length > 200) return fail(400, { message: 'Enter the operator token.' });
    const check = await locals.plugpay.operatorStations(token);
    if ('status' in check) {
      return fail(check.status, { message: check.status === 403 ? 'That operator token was not accepted.' : check.message });
    }
    cookies.set(OPERATOR_COOKIE, token, operatorCookieOptions(url));
    redirect(303, '/operator');
  },
  logout: async ({ cookies }) => {
    cookies.delete(OPERATOR_COOKIE, { path: '/' });
    redirect(303, '/operator');
  }
};
