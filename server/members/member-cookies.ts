/**
 * The member's signed-in cookie and the short-lived cookie that carries a Login in progress
 * (state, nonce, PKCE verifier). Both are signed with a key derived from the server secret
 * (hono/cookie's signed cookies, HMAC-SHA256) and carry their own expiry; neither holds a secret
 * of Vipps'. HttpOnly, SameSite=Lax (the return from Vipps is a top-level GET), Secure on https.
 */
import { createHmac } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { z } from 'zod';
import type { PendingLogin } from '../payments/login-port.js';
import { MEMBER_COOKIE } from '../../src/lib/shared/member-cookie.js';

export { MEMBER_COOKIE };
export const LOGIN_COOKIE = 'pp_login';
const MEMBER_DAYS = 30;
const LOGIN_MINUTES = 10;

const pendingShape = z.object({ state: z.string().min(8), nonce: z.string().min(8), codeVerifier: z.string().min(43), returnTo: z.string().regex(/^\/[A-Za-z0-9/_-]*$/), exp: z.number() });

export class MemberCookies {
  private readonly key: string;

  constructor(
    serverSecret: Buffer | string,
    private readonly secure: boolean,
    private readonly now: () => Date
  ) {
    this.key = createHmac('sha256', serverSecret).update('plugpay member cookies').digest('base64url');
  }

  private opts(maxAge: number) {
    return { path: '/', httpOnly: true, sameSite: 'Lax' as const, secure: this.secure, maxAge };
  }

  async setMember(c: Context, memberId: string): Promise<void> {
    const exp = Math.floor(this.now().getTime() / 1000) + MEMBER_DAYS * 86400;
    await setSignedCookie(c, MEMBER_COOKIE, `${memberId}.${exp}`, this.key, this.opts(MEMBER_DAYS * 86400));
  }

  /** The signed-in member's id, or undefined (no cookie, a forged one, or an expired one). */
  async member(c: Context): Promise<string | undefined> {
    const v = await getSignedCookie(c, this.key, MEMBER_COOKIE);
    if (typeof v !== 'string') return undefined;
    const m = /^([0-9a-f]{12})\.(\d+)$/.exec(v);
    if (!m || Number(m[2]) * 1000 < this.now().getTime()) return undefined;
    return m[1];
  }

  clearMember(c: Context): void {
    deleteCookie(c, MEMBER_COOKIE, { path: '/' });
  }

  async setPending(c: Context, p: PendingLogin, returnTo: string): Promise<void> {
    const exp = Math.floor(this.now().getTime() / 1000) + LOGIN_MINUTES * 60;
    await setSignedCookie(c, LOGIN_COOKIE, Buffer.from(JSON.stringify({ ...p, returnTo, exp })).toString('base64url'), this.key, this.opts(LOGIN_MINUTES * 60));
  }

  async pending(c: Context): Promise<(PendingLogin & { returnTo: string }) | undefined> {
    const v = await getSignedCookie(c, this.key, LOGIN_COOKIE);
    if (typeof v !== 'string') return undefined;
    try {
      const p = pendingShape.parse(JSON.parse(Buffer.from(v, 'base64url').toString('utf8')));
      return p.exp * 1000 < this.now().getTime() ? undefined : p;
    } catch {
      return undefined;
    }
  }

  clearPending(c: Context): void {
    deleteCookie(c, LOGIN_COOKIE, { path: '/' });
  }
}
