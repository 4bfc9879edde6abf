/**
 * Seals small secrets for storage, so that a copy of the database alone opens none of them.
 *
 * AES-256-GCM (NIST SP 800-38D) with a fresh 96-bit IV per seal and a 128-bit tag, under a key
 * derived with HKDF-SHA256 (RFC 5869) from the server secret (`config.secret`, PLUGPAY_SECRET),
 * which is never stored in the database. Each use names its own purpose, which goes into HKDF's
 * `info`, so keys for different purposes are independent (RFC 5869 §3.2). A `context` string is
 * bound in as additional authenticated data: a sealed value copied onto another record does not
 * open there.
 *
 * @example
 * const box = new SecretBox(config.secret, 'vipps webhook secret');
 * const sealed = box.seal(secret, `vipps.webhook ${id}`); // store this
 * box.open(sealed, `vipps.webhook ${id}`);                // → secret, or throws SecretBoxError
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';

/** What is stored: every part base64url, tagged with the scheme so a later one can be told apart. */
export interface SealedValue {
  scheme: 'A256GCM-HKDF-SHA256';
  iv: string;
  tag: string;
  data: string;
}

const sealedValue = z.object({
  scheme: z.literal('A256GCM-HKDF-SHA256'),
  iv: z.string().min(1),
  tag: z.string().min(1),
  data: z.string()
});

export function isSealed(v: unknown): v is SealedValue {
  return sealedValue.safeParse(v).success;
}

/** A sealed value that does not open: another server secret, another context, or altered bytes. */
export class SecretBoxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretBoxError';
  }
}

/** Fixed and public: HKDF's salt is optional, and the server secret is the secret part (RFC 5869 §3.1). */
const SALT = Buffer.from('plugpay secret-box v1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private readonly key: Buffer;

  constructor(serverSecret: Buffer | string, purpose: string) {
    if (serverSecret.length === 0) throw new Error('SecretBox needs a server secret');
    this.key = Buffer.from(hkdfSync('sha256', serverSecret, SALT, `plugpay ${purpose}`, 32));
  }

  seal(plaintext: string, context: string): SealedValue {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { scheme: 'A256GCM-HKDF-SHA256', iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url'), data: data.toString('base64url') };
  }

  /** The plaintext; throws SecretBoxError when the tag does not check out. */
  open(sealed: SealedValue, context: string): string {
    try {
      const iv = Buffer.from(sealed.iv, 'base64url');
      const tag = Buffer.from(sealed.tag, 'base64url');
      // A short tag would weaken GCM's check (SP 800-38D §5.2.1.2); only the full 128 bits are taken.
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('malformed IV or tag');
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new SecretBoxError('the sealed value does not open with this server secret and context', { cause });
    }
  }
}
