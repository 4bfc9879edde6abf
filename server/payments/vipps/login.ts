/**
 * Vipps Login (OIDC authorization code flow with PKCE, `state` and `nonce`; API-NOTES §11) through
 * `openid-client`: discovery, the authorization URL, the code exchange with ID-token validation
 * (signature against the JWKS, issuer, audience, nonce, expiry) and userinfo. Nothing is
 * hand-written here; the library's errors are wrapped with their cause.
 */
import * as oidc from 'openid-client';
import { LoginError, type LoginPort, type PendingLogin, type SignedInUser } from '../login-port.js';

export interface VippsLoginOptions {
  /** The Login issuer: `<base>/access-management-1.0/access/` (with the trailing slash). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** `client_secret_basic` (Vipps' default) or `client_secret_post` (switched on in the portal). */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Exactly as registered with Vipps. */
  redirectUri: string;
  /** Scopes beyond `openid`. */
  scopes?: string[];
  /** Allow plain http (the embedded sandbox on loopback only). */
  allowHttp?: boolean;
  /**
   * plugpay's clock. ID tokens' times are checked against it rather than the host's: the two
   * agree in production; a test or a demo that runs plugpay on another clock signs in too.
   */
  clock?: () => Date;
}

/** Login's scopes for pay-as-you-go: the phone number prefills the Recurring agreement. */
export const MEMBER_SCOPES = ['name', 'phoneNumber'];

export class VippsLogin implements LoginPort {
  private config?: Promise<oidc.Configuration>;

  constructor(private readonly o: VippsLoginOptions) {}

  /** Discovery, cached; a failed one is tried again on the next sign-in. */
  private configuration(): Promise<oidc.Configuration> {
    if (!this.config) {
      const auth = this.o.authMethod === 'client_secret_post' ? oidc.ClientSecretPost(this.o.clientSecret) : oidc.ClientSecretBasic(this.o.clientSecret);
      this.config = oidc
        .discovery(new URL(this.o.issuer), this.o.clientId, this.clockMetadata(), auth, this.o.allowHttp ? { execute: [oidc.allowInsecureRequests] } : undefined)
        .catch((cause) => {
          this.config = undefined;
          throw new LoginError(`Vipps Login discovery at ${this.o.issuer} failed`, undefined, { cause });
        });
    }
    return this.config;
  }

  /**
   * openid-client reads the host's time; its clockSkew moves that to plugpay's clock. Taken at
   * discovery (once per process): plugpay's clock is the host's, or a fixed offset from it.
   */
  private clockMetadata(): Partial<oidc.ClientMetadata> | undefined {
    if (!this.o.clock) return undefined;
    return { [oidc.clockSkew]: Math.round((this.o.clock().getTime() - Date.now()) / 1000) };
  }

  async begin(): Promise<{ url: string; pending: PendingLogin }> {
    const config = await this.configuration();
    const pending: PendingLogin = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.o.redirectUri,
      scope: ['openid', ...(this.o.scopes ?? MEMBER_SCOPES)].join(' '),
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256'
    });
    return { url: url.toString(), pending };
  }

  async finish(callbackUrl: URL, pending: PendingLogin): Promise<SignedInUser> {
    const error = callbackUrl.searchParams.get('error');
    if (error) throw new LoginError(callbackUrl.searchParams.get('error_description') ?? error, error);
    const config = await this.configuration();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true
      });
    } catch (cause) {
      throw new LoginError('Vipps Login: the sign-in could not be completed', (cause as { error?: string }).error, { cause });
    }
    const sub = tokens.claims()!.sub;
    let info: oidc.UserInfoResponse;
    try {
      info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    } catch (cause) {
      throw new LoginError('Vipps Login: userinfo could not be read', undefined, { cause });
    }
    return {
      sub,
      ...(typeof info.name === 'string' ? { name: info.name } : {}),
      ...(typeof info.phone_number === 'string' && /^\d{8,15}$/.test(info.phone_number) ? { phoneNumber: info.phone_number } : {})
    };
  }
}
