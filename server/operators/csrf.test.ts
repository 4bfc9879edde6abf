import { describe, expect, it } from 'vitest';
import { csrfToken, csrfValid } from './csrf.js';

const SECRET = Buffer.from('csrf-test-secret-0123456789abcdef');

describe('csrf tokens', () => {
  it('accept the token of the same binding under the same secret only', () => {
    const t = csrfToken(SECRET, 'session-a');
    expect(csrfValid(SECRET, 'session-a', t)).toBe(true);
    expect(csrfValid(SECRET, 'session-b', t)).toBe(false);
    expect(csrfValid(Buffer.from('another-secret-0123456789abcdefgh'), 'session-a', t)).toBe(false);
    expect(csrfValid(SECRET, 'session-a', `${t}x`)).toBe(false);
    expect(csrfValid(SECRET, 'session-a', null)).toBe(false);
    expect(csrfValid(SECRET, undefined, csrfToken(SECRET, ''))).toBe(false);
  });
});
