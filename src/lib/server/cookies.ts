/** Cookie settings shared by the routes that hand out capability tokens. */
import type { Cookies } from '@sveltejs/kit';

type CookieOptions = Parameters<Cookies['set']>[2];

/**
 * A charging session's capability token: httpOnly so scripts on the page cannot read it,
 * sameSite lax so it survives the top-level return from the Vipps app, secure only on https
 * (a plain-http demo on a LAN must still work), two days (a session plus its receipt).
 */
export function sessionCookieOptions(url: URL): CookieOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:', maxAge: 2 * 24 * 60 * 60 };
}
