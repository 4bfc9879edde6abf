/**
 * Who may see the operator console and its live feed. With no OPERATOR_TOKEN configured (demo
 * mode only: config refuses real Vipps credentials without one) the console is open.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * True when `given` is the configured operator token. Compared in constant time: `===` stops at
 * the first differing character, so answer times would spell the token out to a patient prober.
 * Both sides are hashed first, so the lengths match and not even the token's length leaks.
 */
export function operatorAllowed(given: string | undefined, configured: string | undefined): boolean {
  if (configured === undefined) return true;
  const same = timingSafeEqual(digest(given ?? ''), digest(configured));
  return same && given !== undefined;
}
