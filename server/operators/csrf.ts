/**
 * CSRF tokens for staff forms and API calls: the synchronizer-token pattern without a table
 * (OWASP CSRF Prevention Cheat Sheet, "Signed double-submit cookie"). A token is an HMAC of
 * the browser's own session cookie (or, before sign-in, of a random pre-session cookie) under
 * the server secret: a page of plugpay can put it in its forms, another site cannot compute it,
 * and it dies with the session. Checked in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The token that goes with the cookie value `binding`. */
export function csrfToken(secret: Buffer, binding: string): string {
  return createHmac('sha256', secret).update(`plugpay-staff-csrf\0${binding}`).digest('base64url');
}

/** True when `given` is the token for `binding`; false for a missing binding or token. */
export function csrfValid(secret: Buffer, binding: string | undefined, given: string | undefined | null): boolean {
  if (!binding || typeof given !== 'string') return false;
  const want = Buffer.from(csrfToken(secret, binding));
  const got = Buffer.from(given);
  return got.length === want.length && timingSafeEqual(got, want);
}
