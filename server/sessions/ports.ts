/** Small ports the application services take through their constructors. */
import { createHash, randomBytes } from 'node:crypto';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Ids {
  /** A short unguessable-enough id (also used in the payment reference and idTag). */
  sessionId(): string;
  /** The session capability: whoever holds it may view and stop the session. */
  sessionToken(): string;
}

export const randomIds: Ids = {
  // 12 hex characters: fits Vipps' reference pattern ^[a-zA-Z0-9-]{8,50}$ and OCPP's idTag (≤ 20).
  sessionId: () => randomBytes(6).toString('hex'),
  sessionToken: () => randomBytes(24).toString('base64url')
};

/** Tokens are stored hashed; a leaked database does not leak capabilities. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
