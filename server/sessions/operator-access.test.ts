import { describe, expect, it, vi } from 'vitest';

// Whether a comparison runs in constant time cannot be seen from its answers; what can be seen
// is that it goes through node:crypto's timingSafeEqual rather than `===`.
const compared = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.count++;
      return crypto.timingSafeEqual(a, b);
    }
  };
});

const { operatorAllowed } = await import('./operator-access.js');

describe('operatorAllowed', () => {
  it.each([
    { given: 'the-operator-token', configured: 'the-operator-token', allowed: true },
    { given: 'the-operator-tokeN', configured: 'the-operator-token', allowed: false },
    { given: 'the-operator-token-and-more', configured: 'the-operator-token', allowed: false },
    { given: 'the', configured: 'the-operator-token', allowed: false },
    { given: '', configured: 'the-operator-token', allowed: false },
    { given: undefined, configured: 'the-operator-token', allowed: false },
    // Demo mode without OPERATOR_TOKEN: the console is open.
    { given: undefined, configured: undefined, allowed: true },
    { given: 'anything', configured: undefined, allowed: true }
  ])('$given against $configured: $allowed', ({ given, configured, allowed }) => {
    expect(operatorAllowed(given, configured)).toBe(allowed);
  });

  it('compares in constant time, whatever the lengths', () => {
    compared.count = 0;
    operatorAllowed('the-operator-token', 'the-operator-token');
    operatorAllowed('short', 'the-operator-token');
    operatorAllowed(undefined, 'the-operator-token');
    expect(compared.count).toBe(3);
  });
});
