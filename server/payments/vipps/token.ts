/**
 * The access token for every Vipps MobilePay API call (`POST /accesstoken/get`, access-token.yaml):
 * fetched once, cached, refreshed shortly before it expires, and fetched by one request at a time.
 */
import type { TokenSource, VippsHttp } from './http.js';
import { accessTokenResponse } from './schemas.js';

export interface AccessTokensOptions {
  clientId: string;
  clientSecret: string;
  /** Refresh this long before expiry (default 2 min); capped at half the token's lifetime. */
  refreshMarginMs?: number;
  now?: () => number;
}

interface Cached {
  token: string;
  refreshAt: number;
}

export class AccessTokens implements TokenSource {
  private cached: Cached | undefined;
  private inFlight: Promise<string> | undefined;
  private readonly now: () => number;
  private readonly margin: number;

  /** `http` must be a core without a token source: the token call authenticates with headers. */
  constructor(
    private readonly http: VippsHttp,
    private readonly opts: AccessTokensOptions
  ) {
    this.now = opts.now ?? Date.now;
    this.margin = opts.refreshMarginMs ?? 120_000;
  }

  /** A valid token; concurrent callers during a refresh share the one request. */
  get(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async fetch(): Promise<string> {
    const startedAt = this.now();
    const { data } = await this.http.request({
      operation: 'accesstoken.get',
      method: 'POST',
      path: '/accesstoken/get',
      // The body is empty; credentials travel as headers (access-token.yaml, /accesstoken/get).
      headers: { client_id: this.opts.clientId, client_secret: this.opts.clientSecret },
      auth: false,
      // Asking for a token has no side effect, so a retry is always harmless.
      idempotent: true,
      response: { schema: accessTokenResponse }
    });
    // expires_in is relative, so it is measured against our own clock (immune to clock skew);
    // it is 3600 s in test and 86400 s in production (API-NOTES §1).
    const lifetimeMs = data.expires_in * 1000;
    const margin = Math.min(this.margin, lifetimeMs / 2);
    this.cached = { token: data.access_token, refreshAt: startedAt + lifetimeMs - margin };
    return data.access_token;
  }
}
