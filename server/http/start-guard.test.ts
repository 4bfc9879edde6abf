import { describe, expect, it } from 'vitest';
import { StartGuard } from './start-guard.js';

const limits = { sessionStartsPerMinute: 100, reservationsPerWindow: 2, approvalWindowSeconds: 120 };

/** A store where the test decides which sessions still await approval. */
function aGuard() {
  const awaiting = new Set<string>();
  const guard = new StartGuard(limits, async (ids) => ids.filter((id) => awaiting.has(id)));
  const reserve = async (device: string, id: string) => {
    const held = await guard.hold(device);
    if (!held.ok) return held;
    awaiting.add(id);
    guard.confirm(device, id);
    return held;
  };
  return { guard, awaiting, reserve };
}

describe('StartGuard', () => {
  it('counts what a device holds now: an approved or given-up reservation frees its place at once', async () => {
    const { guard, awaiting, reserve } = aGuard();
    expect((await reserve('10.0.0.1', 's1')).ok).toBe(true);
    expect((await reserve('10.0.0.1', 's2')).ok).toBe(true);
    expect(await reserve('10.0.0.1', 's3')).toMatchObject({ ok: false, retryAfterSeconds: 120 });
    expect((await reserve('10.0.0.2', 's4')).ok).toBe(true); // another device is not affected

    awaiting.delete('s1'); // approved in the app (or rejected, expired, cancelled)
    expect((await reserve('10.0.0.1', 's5')).ok).toBe(true);
    expect((await reserve('10.0.0.1', 's6')).ok).toBe(false);
  });

  it('counts reservations still being made, so simultaneous requests cannot slip past the cap', async () => {
    const { guard } = aGuard();
    const answers = await Promise.all([guard.hold('d'), guard.hold('d'), guard.hold('d')]);
    expect(answers.filter((a) => a.ok)).toHaveLength(2);
    guard.release('d'); // one of them failed to reach the provider: it holds nothing
    expect((await guard.hold('d')).ok).toBe(true);
  });

  it('forgets devices whose reservations are all settled, so memory follows what is held', async () => {
    const { guard, awaiting, reserve } = aGuard();
    for (let i = 0; i < 600; i++) await reserve(`10.1.${i >> 8}.${i & 255}`, `s${i}`);
    expect(guard.size).toBe(600);
    awaiting.clear();
    for (let i = 0; i < 500; i++) await guard.hold('10.9.9.9').then(() => guard.release('10.9.9.9'));
    expect(guard.size).toBe(0);
  });
});
