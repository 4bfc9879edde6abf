import { randomBytes } from 'node:crypto';
import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { NOT_A_FORM, readForm } from '$lib/server/form';
import { safeNext, SIGN_IN_COOKIE, STAFF_COOKIE, staffCookieOptions } from '$lib/server/staff';

export const load: PageServerLoad = async ({ cookies, locals, url }) => {
  if (locals.staff) redirect(303, safeNext(url.searchParams.get('next')));
  // The form's CSRF token is bound to this cookie until there is a session to bind it to.
  let binding = cookies.get(SIGN_IN_COOKIE);
  if (!binding) {
    binding = randomBytes(18).toString('base64url');
    cookies.set(SIGN_IN_COOKIE, binding, { ...staffCookieOptions(url), sameSite: 'strict', maxAge: 60 * 60 });
  }
  return { signInCsrf: locals.operator.csrfToken(binding) };
};

const minutes = (until: Date, now: Date) => Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));

export const actions: Actions = {
  default: async ({ request, cookies, locals, url, getClientAddress }) => {
    const form = await readForm(request);
    if (!form) return fail(400, { message: NOT_A_FORM, username: '', locked: false });
    const username = String(form.get('username') ?? '').slice(0, 100);
    const password = String(form.get('password') ?? '');
    if (!username || !password) return fail(400, { message: 'Enter your username and password.', username, locked: false });
    const r = await locals.operator.signIn({ username, password, client: getClientAddress() });
    if (!r.ok) {
      if (r.reason === 'locked') {
        return fail(423, { message: `This account is locked after too many wrong passwords. Try again in ${minutes(r.until, new Date())} minutes, or ask an admin.`, username, locked: true });
      }
      if (r.reason === 'rate-limited') return fail(429, { message: `Too many sign-in attempts from this device. Wait ${r.retryAfterSeconds} seconds.`, username, locked: false });
      return fail(400, { message: 'Wrong username or password.', username, locked: false });
    }
    cookies.set(STAFF_COOKIE, r.token, staffCookieOptions(url, r.expiresAt));
    cookies.delete(SIGN_IN_COOKIE, { path: '/' });
    redirect(303, safeNext(url.searchParams.get('next')));
  }
};
