/**
 * Personal QR codes in the sandbox: which test user a pushed payment goes to, and which scanned
 * contents the sandbox refuses as a personal QR (ePayment error 4060, TK errors.md).
 *
 * The real content format may change without notice (EP `PersonalQrCode`), so the sandbox accepts
 * any content of 5–255 characters (its test users' own codes, and anything else, which maps to a
 * deterministic test number), except what is plainly another kind of code: a merchant's QR or
 * a payment link issued by this sandbox (the cashier scanned the charger's sticker, say), or a
 * malformed sandbox personal code.
 */
import type { SandboxContext } from './context.js';
import { msisdnForPersonalQr } from './qr.js';
import type { Payment } from './state.js';

const OWN_PREFIX = 'vipps-sandbox://personal-qr/';

/** Why `content` is not a personal QR, or null when it is one. */
export function personalQrProblem(ctx: SandboxContext, content: string): string | null {
  if (content.length < 5 || content.length > 255) return 'customer.personalQr must be the complete QR content (5–255 characters).';
  if (content.startsWith(OWN_PREFIX) && !/^\d{10,15}$/.test(content.slice(OWN_PREFIX.length))) {
    return 'customer.personalQr is not a valid personal QR code.';
  }
  if (content.startsWith(`${ctx.publicBaseUrl}/`)) return 'customer.personalQr is a merchant or payment QR code, not a personal QR code.';
  return null;
}

/** The phone number a pushed payment goes to, from `phoneNumber` or the scanned personal QR. */
export function payerMsisdn(p: Payment): string | undefined {
  if (p.customer?.phoneNumber) return p.customer.phoneNumber;
  if (p.customer?.personalQr) return msisdnForPersonalQr(p.customer.personalQr);
  return undefined;
}
