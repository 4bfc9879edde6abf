/**
 * What the sandbox's Login (OIDC) remembers, persisted with the rest of its state so a restart
 * keeps its signing key (ID tokens issued before still verify) and the codes in flight.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { StateStore } from './state.js';

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  nonce?: string;
  codeChallenge?: string;
  expiresAt: number;
}

export interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  nonce?: string;
  codeChallenge?: string;
  sub: string;
  authTime: number;
  expiresAt: number;
}

export interface LoginState {
  /** RS256 signing key, PKCS#8 PEM. */
  privateKeyPem: string;
  kid: string;
  /** Pending authorize requests, by the id the user's page carries. */
  requests: Record<string, AuthorizationRequest>;
  /** Codes not yet exchanged (one use each). */
  codes: Record<string, AuthorizationCode>;
  /** Login access tokens (for userinfo). */
  accessTokens: Record<string, { sub: string; scope: string; expiresAt: number }>;
}

/** The login state, created (with a fresh RSA key) the first time it is needed. */
export function loginState(store: StateStore): LoginState {
  if (!store.data.login) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    store.data.login = {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      kid: `sandbox-${randomBytes(6).toString('hex')}`,
      requests: {},
      codes: {},
      accessTokens: {}
    };
    store.changed();
  }
  return store.data.login;
}

/** Drops what has expired (called on every Login request). */
export function pruneLogin(s: LoginState, now: number): void {
  for (const [k, v] of Object.entries(s.requests)) if (v.expiresAt <= now) delete s.requests[k];
  for (const [k, v] of Object.entries(s.codes)) if (v.expiresAt <= now) delete s.codes[k];
  for (const [k, v] of Object.entries(s.accessTokens)) if (v.expiresAt <= now) delete s.accessTokens[k];
}
