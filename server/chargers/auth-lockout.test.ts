import { describe, expect, it } from 'vitest';
import { AuthLockout, type AuthAttempt } from './auth-lockout.js';

/** An auth callback that accepts `good` and refuses everything else with 401, counting its runs. */
function verifier(good = 'right') {
  const runs = { count: 0 };
  const inner = async (accept: (s?: Record<string, unknown>) => void, reject: (code: number, message: string) => void, h: AuthAttempt) => {
    runs.count++;
    if (String(h.password) === good) accept({ chargerId: h.identity });
    else reject(401, 'Unauthorized');
  };
  return { inner, runs };
}

/** Runs one handshake through the guarded callback; resolves with what it answered. */
function attempt(cb: ReturnType<AuthLockout['guard']>, identity: string, remoteAddress: string, password: string) {
  return new Promise<{ accepted: true } | { accepted: false; code?: number; message?: string }>((resolve) => {
    void cb(
      () => resolve({ accepted: true }),
      (code, message) => resolve({ accepted: false, code, message }),
      { identity, remoteAddress, password: Buffer.from(password), headers: {} }
    );
  });
}

describe('AuthLockout', () => {
  it('locks a charger id after repeated failures, without running the check again while locked', async () => {
    const locks: unknown[] = [];
    const lockout = new AuthLockout({ perCharger: 3, perAddress: 100, onLock: (l) => locks.push(l) });
    const { inner, runs } = verifier();
    const cb = lockout.guard(inner);
    for (let i = 0; i < 3; i++) expect(await attempt(cb, 'CP-1', '198.51.100.1', 'wrong')).toMatchObject({ accepted: false, code: 401 });
    expect(runs.count).toBe(3);
    // Locked: even the right password is not checked (each check is a scrypt run).
    expect(await attempt(cb, 'CP-1', '198.51.100.2', 'right')).toMatchObject({ accepted: false, code: 429 });
    expect(runs.count).toBe(3);
    expect(locks).toEqual([{ scope: 'charger', chargerId: 'CP-1', remoteAddress: '198.51.100.1', seconds: 300 }]);
    // Other chargers are not affected.
    expect(await attempt(cb, 'CP-2', '198.51.100.2', 'right')).toEqual({ accepted: true });
  });

  it('locks a remote address that fails across many charger ids', async () => {
    const lockout = new AuthLockout({ perCharger: 100, perAddress: 4 });
    const { inner, runs } = verifier();
    const cb = lockout.guard(inner);
    for (let i = 0; i < 4; i++) expect(await attempt(cb, `PROBE-${i}`, '203.0.113.9', 'wrong')).toMatchObject({ code: 401 });
    expect(await attempt(cb, 'PROBE-99', '203.0.113.9', 'wrong')).toMatchObject({ code: 429 });
    expect(await attempt(cb, 'CP-1', '203.0.113.9', 'right')).toMatchObject({ code: 429 });
    expect(runs.count).toBe(4);
    expect(await attempt(cb, 'CP-1', '198.51.100.1', 'right')).toEqual({ accepted: true });
  });

  it('keeps letting a charger in from the address it last connected from, while others guess its password', async () => {
    const lockout = new AuthLockout({ perCharger: 2, perAddress: 100 });
    const cb = lockout.guard(verifier().inner);
    expect(await attempt(cb, 'CP-1', '198.51.100.1', 'right')).toEqual({ accepted: true });
    for (let i = 0; i < 2; i++) await attempt(cb, 'CP-1', '203.0.113.9', 'wrong');
    expect(await attempt(cb, 'CP-1', '203.0.113.9', 'right')).toMatchObject({ code: 429 });
    expect(await attempt(cb, 'CP-1', '198.51.100.1', 'right')).toEqual({ accepted: true });
  });

  it('counts only bad credentials: a wrong subprotocol or an outage is no guess', async () => {
    const lockout = new AuthLockout({ perCharger: 1, perAddress: 1 });
    const cb = lockout.guard(async (_accept, reject) => reject(503, 'Service Unavailable'));
    for (let i = 0; i < 3; i++) expect(await attempt(cb, 'CP-1', '198.51.100.1', 'x')).toMatchObject({ code: 503 });
  });

  it('refuses nonsense settings', () => {
    expect(() => new AuthLockout({ perCharger: 0 })).toThrow(RangeError);
    expect(() => new AuthLockout({ lockSeconds: -1 })).toThrow(RangeError);
  });
});
