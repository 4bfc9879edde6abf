/**
 * The staff part of every request: who is signed in (on `event.locals.staff`), the areas only
 * staff may enter, and CSRF tokens on their forms.
 *
 * CSRF: SvelteKit already refuses form posts whose Origin is another site; on top of that every
 * state-changing request into a staff area carries a token bound to the browser's session
 * cookie (OWASP's synchronizer token), so a request forged from anywhere, a sibling subdomain
 * included, is refused before any action runs.
 */
import type { Handle } from '@sveltejs/kit';
import { OPERATOR_BRIDGE, type OperatorBridge, type StaffRole } from '$lib/shared/operator-api';
import { NOT_A_FORM, readForm } from './form';
import { roleAllows, SIGN_IN_COOKIE, SIGN_IN_PATH, STAFF_COOKIE } from './staff';

/** Paths only staff may open, with the least role each needs; `open` paths are for signing in. */
export const STAFF_AREAS: Array<{ prefix: string; role: StaffRole; open?: string[] }> = [
  { prefix: '/operator', role: 'operator', open: [SIGN_IN_PATH] }
];

const SAFE_METHOD = /^(GET|HEAD|OPTIONS)$/;

function areaOf(path: string) {
  return STAFF_AREAS.find((a) => path === a.prefix || path.startsWith(`${a.prefix}/`));
}

const plain = (status: number, text: string) =>
  new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });

export const staffHandle: Handle = async ({ event, resolve }) => {
  event.locals.staff = null;
  event.locals.csrf = '';
  const bridge = (globalThis as Record<symbol, unknown>)[OPERATOR_BRIDGE] as OperatorBridge | undefined;
  if (!bridge) return resolve(event); // the services handle before this one answers 503 where it matters
  event.locals.operator = bridge;
  const token = event.cookies.get(STAFF_COOKIE);
  const staff = token ? await bridge.staff(token) : null;
  if (staff && token) {
    event.locals.staff = staff;
    event.locals.csrf = bridge.csrfToken(token);
  }
  const area = areaOf(event.url.pathname);
  if (!area) return resolve(event);
  event.setHeaders({ 'cache-control': 'no-store' });

  if (!SAFE_METHOD.test(event.request.method)) {
    const form = await readForm(event.request.clone());
    if (!form) return plain(400, NOT_A_FORM);
    const given = form.get('csrf');
    const text = typeof given === 'string' ? given : null;
    const valid = (staff && bridge.csrfValid(token, text)) || bridge.csrfValid(event.cookies.get(SIGN_IN_COOKIE), text);
    if (!valid) return plain(403, 'This form is missing its security token or it has expired. Reload the page and try again.');
  }

  if (area.open?.includes(event.url.pathname)) return resolve(event);
  if (!staff) {
    if (SAFE_METHOD.test(event.request.method)) {
      return new Response(null, { status: 303, headers: { location: `${SIGN_IN_PATH}?next=${encodeURIComponent(event.url.pathname)}` } });
    }
    return plain(403, 'Sign in first.');
  }
  if (!roleAllows(staff.role, area.role)) return plain(403, `This area needs the ${area.role} role; you are signed in as ${staff.role}.`);
  return resolve(event);
};
