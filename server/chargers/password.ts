/**
 * Charger passwords for OCPP security profile 1 (HTTP Basic over the WebSocket upgrade, OCPP 1.6
 * Security Whitepaper §2.1). Stored as scrypt hashes; compared in constant time.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;
const PARAMS = { N: 16384, r: 8, p: 1 } as const;

function scrypt(password: Buffer | string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)))
  );
}

/** `scrypt$N$r$p$<salt base64>$<key base64>`: the parameters travel with the hash so they can change later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

// Verifying against this when the charger is unknown keeps the answer's timing the same, so
// probing cannot tell registered ids from unregistered ones.
const DUMMY_HASH = `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;

/**
 * True when `password` matches `stored`. A null `stored` (unknown charger) or a malformed hash
 * is false, after the same amount of work.
 */
export async function verifyPassword(password: Buffer | string | undefined, stored: string | null): Promise<boolean> {
  const parts = (stored ?? DUMMY_HASH).split('$');
  const ok = parts.length === 6 && parts[0] === 'scrypt';
  const [, n, r, p, saltB64, keyB64] = ok ? parts : DUMMY_HASH.split('$');
  const expected = Buffer.from(keyB64, 'base64');
  const actual = await scrypt(password ?? '', Buffer.from(saltB64, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p)
  });
  const same = actual.length === expected.length && timingSafeEqual(actual, expected);
  return same && ok && stored !== null && password !== undefined;
}

/**
 * Checks the password a charger's handshake carries, then wipes it and drops it from the
 * handshake. ocpp-rpc keeps the handshake for as long as the connection lasts; the password is
 * needed only here. It is a view into a pooled 8 KiB buffer, so keeping it also kept that whole
 * buffer alive for every connected charger (7 KiB of a charger's 26 KiB of heap).
 */
export async function verifyHandshakePassword(handshake: { password?: Buffer }, stored: string | null): Promise<boolean> {
  const password = handshake.password;
  try {
    return await verifyPassword(password, stored);
  } finally {
    password?.fill(0);
    handshake.password = undefined;
  }
}
