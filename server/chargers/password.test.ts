import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.js';

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
});
