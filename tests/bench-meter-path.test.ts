/**
 * The meter-path harness end to end at a tiny scale: plugpay as a child process on PGlite, three
 * sessions through the sandbox, bare OCPP chargers and Socket.IO phones, and the bare relay.
 * It checks that the harness measures real deliveries; timings are never asserted here.
 */
import { describe, expect, it } from 'vitest';
import { formatMeterPath, runMeterPath } from '../bench/meter-path.js';

describe('bench: meter path harness', () => {
  it('measures every sample sent by three sessions, on plugpay and on the relay', async () => {
    const report = await runMeterPath({
      levels: [3],
      stores: ['pglite'],
      intervalMs: 1000,
      settleMs: 1000,
      windowMs: 4000,
      stopSamples: 1,
      idleChargers: 0,
      rampBudgetMs: 120_000,
      log: () => undefined
    });
    const plugpay = report.stores.pglite!;
    expect(plugpay.error).toBeUndefined();
    expect(report.relay.error).toBeUndefined();
    for (const level of [plugpay.levels[0], report.relay.levels[0]]) {
      expect(level.sessions).toBe(3);
      expect(level.openFailures).toBe(0);
      expect(level.latency.sent).toBeGreaterThan(0);
      expect(level.latency.samples).toBe(level.latency.sent);
      expect(level.latency.lost).toBe(0);
    }
    // Where plugpay's resident set goes, read from its /metrics; the relay has none.
    const parts = plugpay.memory[0].parts!;
    expect(parts.heapUsedMiB).toBeGreaterThan(0);
    expect(parts.heapTotalMiB).toBeGreaterThanOrEqual(parts.heapUsedMiB);
    expect(parts.externalMiB).toBeGreaterThan(0);
    expect(report.relay.memory[0].parts).toBeUndefined();
    expect(plugpay.stopSettled).toHaveLength(1);
    expect(plugpay.stopSettled[0].state).toBe('completed');
    expect(formatMeterPath(report)).toContain('embedded (PGlite)');
  }, 240_000);
});
