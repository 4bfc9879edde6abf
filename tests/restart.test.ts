/**
 * Killing plugpay (SIGKILL, no goodbye) in the middle of settling a session and starting it
 * again: the capture happens exactly once and the rest of the reservation is released. The
 * embedded store (PGlite in DATA_DIR) and the sandbox's state file survive the kill.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VippsClient } from '../server/payments/vipps/client.js';
import { SANDBOX_CREDENTIALS } from '../server/config.js';
import { eventually } from './helpers/plugpay.js';
import { freePort, killHard, startPlugpayChild } from './helpers/plugpay-child.js';

const dataDir = mkdtempSync(join(tmpdir(), 'plugpay-restart-'));
let child: ChildProcess | undefined;
let port = 0;

async function startPlugpay(): Promise<void> {
  child = await startPlugpayChild(port, dataDir);
}

const base = () => `http://127.0.0.1:${port}`;
const vipps = () =>
  new VippsClient({ baseUrl: `${base()}/sandbox/vipps`, ...SANDBOX_CREDENTIALS, systemName: 'plugpay-tests', systemVersion: '1' });

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a crash while settling', () => {
  it('captures once and releases the rest after a restart', async () => {
    port = await freePort();
    await startPlugpay();
    await eventually(async () => (await (await fetch(`${base()}/api/connectors/OSL-GRO-01-1`)).json()).available, 20_000, 'connector');

    const start = await fetch(`${base()}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connectorId: 'OSL-GRO-01-1', amountOre: 35000 })
    }).then((r) => r.json());
    const reference = `plugpay-${start.sessionId}`;
    const session = async () =>
      (await fetch(`${base()}/api/sessions/${start.sessionId}`, { headers: { authorization: `Bearer ${start.token}` } })).json();

    await vipps().epayment.forceApprove(reference);
    // Something to capture: the first reading comes at once now (TriggerMessage), before any cost.
    await eventually(async () => (await session()).costOre > 0, 30_000, 'a cost to capture');

    // Every capture fails from now on, as if Vipps were down: the settle job keeps retrying.
    const fault = await fetch(`${base()}/sandbox/vipps/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'fail', status: 503, count: 1000, pathPrefix: '/capture' })
    });
    expect(fault.ok).toBe(true);
    await fetch(`${base()}/api/sessions/${start.sessionId}/stop`, { method: 'POST', headers: { authorization: `Bearer ${start.token}` } });
    await eventually(async () => (await session()).state === 'finalizing', 20_000, 'finalizing');
    const cost = (await session()).costOre as number;
    expect(cost).toBeGreaterThan(0);

    await killHard(child!);

    // The faults lived in the killed process; the payments live on in the sandbox's state file.
    await startPlugpay();
    await eventually(async () => (await session()).state === 'completed', 30_000, 'completed after restart');
    const s = await session();
    expect(s.receipt).toMatchObject({ capturedOre: cost, releasedOre: 35000 - cost });

    const payment = await vipps().epayment.get(reference);
    expect(payment.aggregate.capturedAmount.value).toBe(cost);
    expect(payment.aggregate.cancelledAmount.value).toBe(35000 - cost);
    const events = await vipps().epayment.events(reference);
    expect(events.filter((e) => e.name === 'CAPTURED' && e.success)).toHaveLength(1);
    expect(events.filter((e) => e.name === 'CANCELLED' && e.success)).toHaveLength(1);
  }, 120_000);
});
