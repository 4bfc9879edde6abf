/**
 * The sign-in port: Vipps Login (OIDC) in plugpay's words. The adapter (vipps/login.ts) uses
 * openid-client; nothing else knows OIDC.
 */

/** What must be kept between sending the browser away and its coming back (a signed cookie). */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface SignedInUser {
  /** Stable per sales unit: how a member is found again. */
  sub: string;
  name?: string;
  /** MSISDN, digits only (e.g. 4791234567). */
  phoneNumber?: string;
}

export interface LoginPort {
  /** Where to send the browser, and what to remember until it comes back. */
  begin(): Promise<{ url: string; pending: PendingLogin }>;
  /** Finishes the sign-in from the URL the browser came back to; throws on any mismatch. */
  finish(callbackUrl: URL, pending: PendingLogin): Promise<SignedInUser>;
}

export class LoginError extends Error {
  constructor(
    message: string,
    /** The OAuth error code when the provider sent one (access_denied: the user cancelled). */
    public readonly code?: string,
    options?: { cause?: unknown }
  ) {
    super(message, options);
    this.name = 'LoginError';
  }
}
