import { describe, expect, it } from 'vitest';
import { hashPassword, verifyHandshakePassword, verifyPassword } from './password.js';

describe('charger passwords', () => {
  it('verifies the right password, as a string or as the bytes Basic auth delivers', async () => {
    const hash = await hashPassword('a-charger-secret-16');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('a-charger-secret-16', hash)).toBe(true);
    expect(await verifyPassword(Buffer.from('a-charger-secret-16'), hash)).toBe(true);
  });

  it('refuses a wrong or missing password, an unknown charger and a malformed hash', async () => {
    const hash = await hashPassword('a-charger-secret-16');
    expect(await verifyPassword('a-charger-secret-17', hash)).toBe(false);
    expect(await verifyPassword(undefined, hash)).toBe(false);
    expect(await verifyPassword('a-charger-secret-16', null)).toBe(false);
    expect(await verifyPassword('a-charger-secret-16', 'plain-text')).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same-password-here')).not.toBe(await hashPassword('same-password-here'));
  });

  it("wipes a handshake's password once checked, right or wrong, and drops it from the handshake", async () => {
    // ocpp-rpc keeps the handshake for the connection's life: the password (a view into a pooled
    // buffer) must not stay in memory with it.
    const hash = await hashPassword('a-charger-secret-16');
    for (const [given, expected] of [['a-charger-secret-16', true], ['a-charger-secret-17', false]] as const) {
      const pool = Buffer.from(`CP1:${given}`);
      const handshake: { password?: Buffer } = { password: pool.subarray(4) };
      expect(await verifyHandshakePassword(handshake, hash)).toBe(expected);
      expect(handshake.password).toBeUndefined();
      expect(pool.subarray(4).every((b) => b === 0)).toBe(true);
      expect(pool.subarray(0, 4).toString()).toBe('CP1:');
    }
    expect(await verifyHandshakePassword({}, hash)).toBe(false);
  });
});
