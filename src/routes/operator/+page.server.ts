import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { OPERATOR_COOKIE, operatorCookieOptions } from '$lib/server/cookies';
import { NOT_A_FORM, readForm } from '$lib/server/form';

export const load: PageServerLoad = async ({ cookies, locals, setHeaders }) => {
  setHeaders({ 'cache-control': 'no-store' });
  // Only the cookie the login form sets: a token in the URL would end up in browser history,
  // proxy logs and Referer headers.
  const token = cookies.get(OPERATOR_COOKIE);
  const stations = await locals.plugpay.operatorStations(token);
  if ('status' in stations) {
    if (stations.status === 403) return { authorized: false as const, message: token ? 'That operator token was not accepted.' : null };
    error(stations.status, stations.message);
  }
  // The browser needs the token for operator:join over Socket.IO.
  return { authorized: true as const, stations, token: token ?? null };
};

export const actions: Actions = {
  login: async ({ request, cookies, locals, url }) => {
    const form = await readForm(request);
    if (!form) return fail(400, { message: NOT_A_FORM });
    const token = String(form.get('token') ?? '').trim();
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
