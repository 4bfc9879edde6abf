import { describe, expect, it } from 'vitest';
import type { MoneyJobRow, SessionListRow } from '../store/console-repository.js';
import { paymentTimeline } from './payment-timeline.js';

const at = (hhmm: string) => new Date(`2031-01-15T${hhmm}:00Z`);

function aCompletedSession(over: Partial<SessionListRow> = {}): SessionListRow {
  return {
    id: 'abc123abc123',
    state: 'completed',
    connectorId: 'CP-1-1',
    chargerId: 'CP-1',
    paymentReference: 'plugpay-abc123abc123',
    reservedOre: 35000,
    authorizedOre: 35000,
    costOre: 21614,
    capturedOre: 21614,
    cancelledOre: 13386,
    energyWh: 40000,
    createdAt: at('10:00'),
    startedAt: at('10:02'),
    stoppedAt: at('10:40'),
    stopReason: 'operator',
    ...over
  };
}

const aJob = (over: Partial<MoneyJobRow>): MoneyJobRow => ({ id: 1, kind: 'settle', attempts: 1, createdAt: at('10:40'), ...over });

describe('paymentTimeline', () => {
  it('tells a settled session in order: reserved, approved (webhook), charged, captured and released, receipt', () => {
    const steps = paymentTimeline(
      aCompletedSession(),
      [{ name: 'AUTHORIZED', pspReference: 'psp-1', receivedAt: at('10:01') }],
      [aJob({ id: 7, kind: 'receipt', doneAt: at('10:42') }), aJob({ id: 6, doneAt: at('10:41') })]
    );
    expect(steps.map((s) => [s.kind, s.amountOre, s.reference])).toEqual([
      ['created', 35000, 'plugpay-abc123abc123'],
      ['authorized', 35000, 'psp-1'],
      ['charging', undefined, undefined],
      ['charging', 21614, undefined],
      ['settled', 21614, undefined],
      ['receipt', undefined, undefined]
    ]);
    expect(steps[4].releasedOre).toBe(13386);
    expect(steps[3].text).toContain('operator');
  });

  it('shows an approval learned by polling (no webhook) right after the reservation, without a time', () => {
    const steps = paymentTimeline(aCompletedSession(), [], []);
    expect(steps[1]).toMatchObject({ kind: 'authorized', at: undefined, source: 'polling', amountOre: 35000 });
  });

  it('marks a failing settlement as retryable, with its error', () => {
    const steps = paymentTimeline(aCompletedSession({ state: 'finalizing', capturedOre: undefined, cancelledOre: undefined }), [], [
      aJob({ id: 9, attempts: 25, deadAt: at('11:00'), lastError: 'VippsError: 500' })
    ]);
    const failing = steps.find((s) => s.kind === 'job-failing');
    expect(failing).toMatchObject({ jobId: 9, retryable: true });
    expect(failing?.text).toContain('VippsError: 500');
  });

  it('tells a failed payment in the driver\'s words', () => {
    const steps = paymentTimeline(
      aCompletedSession({ state: 'failed', authorizedOre: undefined, capturedOre: undefined, cancelledOre: undefined, startedAt: undefined, stoppedAt: undefined, costOre: undefined, failure: 'The payment was rejected in the app.' }),
      [{ name: 'ABORTED', pspReference: 'psp-2', receivedAt: at('10:01') }],
      []
    );
    expect(steps.map((s) => s.kind)).toEqual(['created', 'failed', 'failed']);
  });
});
