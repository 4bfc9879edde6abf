/**
 * Staff on the pages: the session cookie, the sign-in form's pre-session cookie, and
 * `requireRole`, the one guard a staff page or action calls.
 */
import { error, redirect, type Cookies } from '@sveltejs/kit';
import type { StaffMember, StaffRole } from '$lib/shared/operator-api';

/** The console's session cookie (the same name the API reads, server/operators/staff-auth.ts). */
export const STAFF_COOKIE = 'pp_staff';
/** A random value the sign-in form's CSRF token is bound to, before there is a session. */
export const SIGN_IN_COOKIE = 'pp_staff_signin';
export const SIGN_IN_PATH = '/operator/login';

type CookieOptions = Parameters<Cookies['set']>[2];

/**
 * HttpOnly (scripts cannot read it), SameSite=Lax (other sites' forms and frames do not carry it;
 * a link from a mail still opens the console signed in), Secure on https (a plain-http demo on a
 * LAN must still work), for the session's lifetime.
 */
export function staffCookieOptions(url: URL, expiresAt?: Date): CookieOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:', ...(expiresAt ? { expires: expiresAt } : {}) };
}

const RANK: StaffRole[] = ['cashier', 'operator', 'admin'];

/** True when `role` may do what `needed` may (admin ⊇ operator ⊇ cashier). */
export function roleAllows(role: StaffRole, needed: StaffRole): boolean {
  return RANK.indexOf(role) >= RANK.indexOf(needed);
}

/**
 * The signed-in member of staff if their role allows `role`. Otherwise a visitor who is not
 * signed in is sent to the sign-in page (and back afterwards), and one whose role is too small
 * gets 403.
 *
 * @example
 * export const load = async ({ locals, url }) => {
 *   const staff = requireRole({ locals, url }, 'cashier');
 *   …
 * };
 */
export function requireRole(event: { locals: App.Locals; url: URL }, role: StaffRole): StaffMember {
  const staff = event.locals.staff;
  if (!staff) redirect(303, `${SIGN_IN_PATH}?next=${encodeURIComponent(event.url.pathname)}`);
  if (!roleAllows(staff.role, role)) error(403, `This page needs the ${role} role; you are signed in as ${staff.role}.`);
  return staff;
}

/** Where to go after signing in: a path of this site only, never another origin. */
export function safeNext(next: string | null): string {
  return next && /^\/(?!\/)[A-Za-z0-9/_\-.]*$/.test(next) ? next : '/operator';
}
