import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError, isSealed } from './secret-box.js';

const SERVER_SECRET = Buffer.from('secret-box-test-server-secret-0123456789');

describe('SecretBox', () => {
  const box = new SecretBox(SERVER_SECRET, 'test');

  it('seals to something that shows nothing of the plaintext, and opens it again', () => {
    const sealed = box.seal('the webhook secret', 'ctx');
    expect(isSealed(sealed)).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain('webhook');
    expect(box.open(sealed, 'ctx')).toBe('the webhook secret');
  });

  it('uses a fresh IV every time', () => {
    expect(box.seal('same', 'ctx')).not.toEqual(box.seal('same', 'ctx'));
  });

  it.each([
    ['another server secret', () => new SecretBox(Buffer.from('another-server-secret-of-32-characters'), 'test'), 'ctx'],
    ['another purpose', () => new SecretBox(SERVER_SECRET, 'other'), 'ctx'],
    ['another context', () => box, 'other ctx']
  ])('does not open with %s', (_what, make, context) => {
    const sealed = box.seal('the webhook secret', 'ctx');
    expect(() => make().open(sealed, context)).toThrow(SecretBoxError);
  });

  it('refuses altered bytes and a shortened tag', () => {
    const sealed = box.seal('the webhook secret', 'ctx');
    const data = Buffer.from(sealed.data, 'base64url');
    data[0] ^= 1;
    expect(() => box.open({ ...sealed, data: data.toString('base64url') }, 'ctx')).toThrow(SecretBoxError);
    const shortTag = Buffer.from(sealed.tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => box.open({ ...sealed, tag: shortTag }, 'ctx')).toThrow(SecretBoxError);
  });

  it('tells a sealed value from a plaintext one', () => {
    expect(isSealed('plain')).toBe(false);
    expect(isSealed({ iv: 'x' })).toBe(false);
  });
});
