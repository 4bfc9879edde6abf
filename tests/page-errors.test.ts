/**
 * A page that fails unexpectedly is logged with plugpay's own logger (the bridge's child
 * `{ module: 'web' }`, through the built pages' handleError), not on the console; where it
 * happened is logged, not what was sent, and the details never reach the browser.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { demoChargers } from '../server/sim/demo.js';
import { PLUGPAY_BRIDGE, type PlugpayBridge } from '../src/lib/shared/api.js';
import { startTestPlugpay, type TestPlugpay } from './helpers/plugpay.js';

/** Every line plugpay logs (warn and above), parsed. */
const lines: Array<Record<string, any>> = [];
const logger = pino(
  { level: 'warn' },
  new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    }
  })
);

let pp: TestPlugpay;

beforeAll(async () => {
  pp = await startTestPlugpay({}, { logger, demoChargers: demoChargers.filter((c) => c.id === 'OSL-GRO-01') });
}, 60_000);
afterAll(async () => pp?.stop());

describe('a page that fails', () => {
  it('is logged with plugpay’s logger, without the query or the cookies, and the browser learns nothing of it', async () => {
    const bridge = (globalThis as Record<symbol, unknown>)[PLUGPAY_BRIDGE] as PlugpayBridge;
    const connector = bridge.connector;
    bridge.connector = async () => {
      throw new Error('the store went away');
    };
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let onConsole: unknown[][] = [];
    try {
      const res = await fetch(`${pp.url}/c/OSL-GRO-01-1?token=query-secret`, { headers: { accept: 'text/html', cookie: 'pp_member=cookie-secret' } });
      expect(res.status).toBe(500);
      expect(await res.text()).not.toContain('the store went away');
    } finally {
      bridge.connector = connector;
      onConsole = [...consoleError.mock.calls];
      consoleError.mockRestore();
    }

    const logged = lines.filter((l) => l.module === 'web');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 50,
      msg: 'page failed',
      method: 'GET',
      path: '/c/OSL-GRO-01-1',
      route: '/c/[connectorId]',
      status: 500,
      err: { message: 'the store went away' }
    });
    expect(JSON.stringify(logged[0])).not.toMatch(/query-secret|cookie-secret/);
    expect(onConsole).toEqual([]);
  });
});
