/**
 * kill -9 in the middle of the daily run, then a restart: exactly one charge per member per day,
 * and every session in it. The run is caught where it has planned the charge (its row and its
 * sessions are committed) and is waiting on Vipps to create it (an injected hang); plugpay dies
 * there. After the restart the scheduler finishes the charge, and running the same day again,
 * twice, adds nothing. The embedded store and the sandbox's state file survive the kill.
 *
 * plugpay runs on an injected clock, from a fixed instant at midday in Oslo, so the day it charges
 * never turns over during the test and nothing in it depends on the host's date. The embedded
 * sandbox and the demo chargers run on that same clock: the sandbox takes a charge only if it is
 * due one day to two years after its own day, so on the host's clock it would refuse this one.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../server/config.js';
import { localDate } from '../server/domain/daily-charge.js';
import { VippsClient } from '../server/payments/vipps/client.js';
import { MemberAgent } from './helpers/member.js';
import { eventually } from './helpers/plugpay.js';
import { freePort, killHard, startPlugpayChild } from './helpers/plugpay-child.js';

const dataDir = mkdtempSync(join(tmpdir(), 'plugpay-member-restart-'));
const OPERATOR = 'member-restart-operator-token';
let child: ChildProcess | undefined;
let port = 0;

// plugpay's clock starts at 11:00 UTC on 12 March 2031 (12:00 in Oslo, weeks before summer time
// starts on 30 March) and runs at the host's pace; both children get the same offset, so the
// restarted one goes on.
const clockStart = Date.parse('2031-03-12T11:00:00Z');
const CLOCK_OFFSET_MS = clockStart - Date.now();
const chargeDay = localDate(new Date(clockStart), 'Europe/Oslo');

async function startPlugpay(): Promise<void> {
  child = await startPlugpayChild(port, dataDir, {
    OPERATOR_TOKEN: OPERATOR,
    // The scheduler's own daily run waits until 23:59; this test drives the run on demand.
    MEMBER_DAILY_CHARGE_TIME: '23:59',
    MEMBER_TICK_SECONDS: '1'
  }, { clockOffsetMs: CLOCK_OFFSET_MS });
}

const base = () => `http://127.0.0.1:${port}`;
const vipps = () => new VippsClient({ baseUrl: `${base()}/sandbox/vipps`, ...SANDBOX_CREDENTIALS, systemName: 'plugpay-tests', systemVersion: '1' });
const dailyRun = (date: string) =>
  fetch(`${base()}/api/member/admin/daily-run`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' }, body: JSON.stringify({ date }) });

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a crash during the daily run', () => {
  it('leaves exactly one charge per member per day, with every session in it', async () => {
    port = await freePort();
    await startPlugpay();
    const m = new MemberAgent({ port });
    await m.signIn(1);
    await m.becomeMember(150000);

    // Two sessions on a demo charger, together worth more than the 1 kr minimum of a charge.
    const sessions: string[] = [];
    for (let i = 0; i < 2; i++) {
      await eventually(async () => (await (await fetch(`${base()}/api/connectors/OSL-AKB-01-1`)).json()).available, 30_000, 'connector');
      const started = await m.json<{ sessionId: string; token: string }>('/api/member/sessions', 'POST', { connectorId: 'OSL-AKB-01-1' });
      expect(started.status).toBe(201);
      const { sessionId, token } = started.body;
      const view = async () => (await fetch(`${base()}/api/sessions/${sessionId}`, { headers: { authorization: `Bearer ${token}` } })).json();
      // The demo car draws about 11 kW: 60 øre each takes half a minute, and two make a chargeable day.
      await eventually(async () => (await view()).costOre >= 60, 90_000, 'cost');
      await fetch(`${base()}/api/sessions/${sessionId}/stop`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      await eventually(async () => (await view()).state === 'completed', 30_000, 'completed');
      sessions.push(sessionId);
    }
    const me = await m.json('/api/member/me');
    // The day is plugpay's (the injected clock's), not the host's.
    const date = me.body.today.date as string;
    expect(date).toBe(chargeDay);

    // Vipps stops answering charge creation: the run plans the charge, then hangs on the create call.
    const fault = await fetch(`${base()}/sandbox/vipps/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'hang', count: 1000, pathPrefix: '/charges' })
    });
    expect(fault.ok).toBe(true);
    void dailyRun(date).catch(() => undefined);
    await eventually(async () => (await m.json('/api/member/me')).body.charges[0]?.state === 'planned', 20_000, 'charge planned');

    await killHard(child!);

    // The hang lived in the killed process; plugpay's records and the sandbox's live on.
    await startPlugpay();
    await eventually(async () => (await m.json('/api/member/me')).body.charges[0]?.state === 'created', 30_000, 'charge created after the restart');
    for (let i = 0; i < 2; i++) expect((await dailyRun(date)).status).toBe(200);

    const after = await m.json('/api/member/me');
    expect(after.body.charges).toHaveLength(1);
    expect(after.body.charges[0].lines.map((l: { id: string }) => l.id).sort()).toEqual([...sessions].sort());
    // At the sandbox: the member's one agreement has exactly one charge, for the whole amount.
    const agreement = await vipps().recurring.getAgreement(await onlyActiveAgreement());
    const res = await fetch(`${base()}/sandbox/vipps/recurring/v3/agreements/${agreement.id}/charges`, { headers: await authHeaders() });
    const charges = (await res.json()) as Array<{ amount: number; description: string }>;
    expect(charges).toHaveLength(1);
    expect(charges[0]!.amount).toBe(after.body.charges[0].amountOre);
  }, 240_000);
});

async function onlyActiveAgreement(): Promise<string> {
  const res = await fetch(`${base()}/sandbox/vipps/recurring/v3/agreements?status=ACTIVE`, { headers: await authHeaders() });
  const list = (await res.json()) as Array<{ id: string }>;
  if (list.length !== 1) throw new Error(`expected one active agreement, got ${list.length}`);
  return list[0]!.id;
}

async function authHeaders(): Promise<Record<string, string>> {
  return {
    Authorization: `Bearer ${await vipps().tokens.get()}`,
    'Ocp-Apim-Subscription-Key': SANDBOX_CREDENTIALS.subscriptionKey,
    'Merchant-Serial-Number': SANDBOX_CREDENTIALS.merchantSerialNumber
  };
}
