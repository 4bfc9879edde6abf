/**
 * The language switch: remembers the driver's choice in a cookie for a year and goes back to
 * the page it came from. A plain form post, so it works before the page's script has loaded.
 */
import { error, redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { isLocale, LOCALE_COOKIE } from '$lib/i18n/locales';
import { readForm } from '$lib/server/form';

/** Only a path on this site (never `//elsewhere` or a full URL): no open redirect. */
function safeBack(v: FormDataEntryValue | null): string {
  const s = typeof v === 'string' ? v : '';
  return /^\/(?![/\\])[^\s]*$/.test(s) && s.length <= 512 ? s : '/';
}

export const POST: RequestHandler = async ({ request, cookies, url }) => {
  const form = await readForm(request);
  if (!form) error(400, 'not-a-form');
  const locale = form.get('locale');
  if (!isLocale(locale)) error(400, 'unknown-language');
  cookies.set(LOCALE_COOKIE, locale, { path: '/', httpOnly: false, sameSite: 'lax', secure: url.protocol === 'https:', maxAge: 365 * 24 * 60 * 60 });
  redirect(303, safeBack(form.get('back')));
};
