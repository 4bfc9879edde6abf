/**
 * Who is calling an operator route: a signed-in member of staff (the console's session cookie)
 * or a script holding OPERATOR_TOKEN as a bearer token (Prometheus, the charger CLI, older
 * deployments). Hono middleware and the Socket.IO check share the rules here.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { parse } from 'hono/utils/cookie';
import { problem } from '../http/problem.js';
import { operatorAllowed } from '../sessions/operator-access.js';
import { csrfValid } from './csrf.js';
import { roleAllows, type StaffAccounts, type StaffMember, type StaffRole } from './staff-accounts.js';

/** The console's session cookie (HttpOnly, SameSite=Lax, Secure on https; set by the pages). */
export const STAFF_COOKIE = 'pp_staff';
/** The header a page sends its CSRF token in with a state-changing API call. */
export const CSRF_HEADER = 'x-csrf-token';

/** OPERATOR_TOKEN stands for an admin: it could always do everything, registration included. */
export const TOKEN_STAFF: StaffMember = { id: 'operator-token', username: 'operator-token', displayName: 'Operator token', role: 'admin' };

export interface StaffGateDeps {
  accounts?: Pick<StaffAccounts, 'staffFor'>;
  operatorToken?: string;
  /** The server secret, for CSRF tokens; without it cookie sessions may only read. */
  secret?: Buffer;
}

export type StaffEnv = { Variables: { staff: StaffMember } };

const SAFE_METHOD = /^(GET|HEAD|OPTIONS)$/;

/**
 * True when `given` is the configured OPERATOR_TOKEN, in constant time. Unlike
 * `operatorAllowed`, no token configured means no one gets in this way.
 */
export function tokenIsOperators(given: string | undefined, configured: string | undefined): boolean {
  return configured !== undefined && given !== undefined && operatorAllowed(given, configured);
}

/** The bearer token of an Authorization header; never the query string (it ends up in logs). */
export function bearer(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

/** The staff member behind a cookie header (Socket.IO handshakes carry the page's cookies). */
export async function staffFromCookieHeader(deps: StaffGateDeps, cookieHeader: string | undefined): Promise<StaffMember | null> {
  if (!cookieHeader || !deps.accounts) return null;
  return deps.accounts.staffFor(parse(cookieHeader, STAFF_COOKIE)[STAFF_COOKIE]);
}

/**
 * A middleware that lets through only staff whose role allows `role`, and puts them on
 * `c.var.staff`. A state-changing request made with the session cookie must also carry the
 * page's CSRF token in the X-CSRF-Token header; a bearer token is not sent by browsers on
 * their own, so it needs none.
 *
 * @example
 * api.use('/operator/*', requireStaff(deps, 'operator'));
 * api.post('/operator/x', (c) => c.json({ by: c.var.staff.username }));
 */
export function requireStaff(deps: StaffGateDeps, role: StaffRole): MiddlewareHandler<StaffEnv> {
  return async (c, next) => {
    const token = bearer(c.req.header('authorization'));
    let staff: StaffMember | null = null;
    if (token !== undefined) {
      staff = tokenIsOperators(token, deps.operatorToken) ? TOKEN_STAFF : null;
    } else {
      const cookie = getCookie(c, STAFF_COOKIE);
      staff = deps.accounts && cookie ? await deps.accounts.staffFor(cookie) : null;
      if (staff && !SAFE_METHOD.test(c.req.method) && !(deps.secret && csrfValid(deps.secret, cookie, c.req.header(CSRF_HEADER)))) {
        return problem(c as Context, 403, 'Forbidden', 'The CSRF token is missing or wrong. Reload the page and try again.');
      }
    }
    if (!staff) return problem(c as Context, 403, 'Forbidden', 'Sign in to the operator console, or send the operator token as a bearer token.');
    if (!roleAllows(staff.role, role)) return problem(c as Context, 403, 'Forbidden', `This needs the ${role} role.`);
    c.set('staff', staff);
    await next();
  };
}
