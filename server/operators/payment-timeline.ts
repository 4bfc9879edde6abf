/**
 * A session's payment timeline for the console, from what plugpay recorded: the reservation,
 * the Vipps webhooks it acted on (each with its pspReference), the charge itself, and the jobs
 * that captured, released and sent the receipt. Pure: the records come in, the steps go out.
 */
import type { MoneyJobRow, PaymentNotificationRow, SessionListRow } from '../store/console-repository.js';
import type { TimelineStep } from '../../src/lib/shared/operator-api.js';

/** Vipps ePayment event names (webhook `name`) in the console's words. */
const EVENT_WORDS: Record<string, { kind: TimelineStep['kind']; text: string }> = {
  CREATED: { kind: 'created', text: 'Payment created at Vipps' },
  AUTHORIZED: { kind: 'authorized', text: 'Reservation approved in the app' },
  CAPTURED: { kind: 'captured', text: 'Captured' },
  CANCELLED: { kind: 'cancelled', text: 'Remainder released' },
  REFUNDED: { kind: 'refunded', text: 'Refunded' },
  ABORTED: { kind: 'failed', text: 'The driver aborted the payment' },
  EXPIRED: { kind: 'failed', text: 'The payment expired unapproved' },
  TERMINATED: { kind: 'failed', text: 'The payment was terminated' }
};

const iso = (d?: Date) => d?.toISOString();

export function paymentTimeline(s: SessionListRow, notifications: PaymentNotificationRow[], jobs: MoneyJobRow[]): TimelineStep[] {
  const steps: TimelineStep[] = [
    { at: iso(s.createdAt), kind: 'created', text: 'Reservation created', amountOre: s.reservedOre, reference: s.paymentReference }
  ];
  for (const n of notifications) {
    const word = EVENT_WORDS[n.name] ?? { kind: 'event' as const, text: `Vipps event ${n.name}` };
    const amountOre = word.kind === 'authorized' ? s.authorizedOre : word.kind === 'captured' ? s.capturedOre : word.kind === 'cancelled' ? s.cancelledOre : undefined;
    steps.push({ at: iso(n.receivedAt), kind: word.kind, text: word.text, amountOre, reference: n.pspReference, source: 'webhook' });
  }
  // Learned by polling only (no webhook came): the amount is known, the moment is not.
  if (s.authorizedOre !== undefined && !notifications.some((n) => n.name === 'AUTHORIZED')) {
    steps.push({ at: undefined, kind: 'authorized', text: 'Reservation approved (read from Vipps)', amountOre: s.authorizedOre, source: 'polling' });
  }
  if (s.startedAt) steps.push({ at: iso(s.startedAt), kind: 'charging', text: 'Charging started' });
  if (s.stoppedAt) steps.push({ at: iso(s.stoppedAt), kind: 'charging', text: `Charging stopped${s.stopReason ? ` (${s.stopReason})` : ''}`, amountOre: s.costOre });
  for (const j of jobs) {
    if (j.kind !== 'settle' && j.kind !== 'receipt') continue;
    const what = j.kind === 'settle' ? 'Settlement (capture and release)' : 'Receipt to the Vipps app';
    if (j.doneAt) {
      steps.push(
        j.kind === 'settle'
          ? { at: iso(j.doneAt), kind: 'settled', text: `${what} done`, amountOre: s.capturedOre, releasedOre: s.cancelledOre, jobId: j.id }
          : { at: iso(j.doneAt), kind: 'receipt', text: 'Receipt sent to the Vipps app', jobId: j.id }
      );
    } else if (j.deadAt || j.failedAt || j.lastError) {
      steps.push({ at: iso(j.deadAt ?? j.failedAt ?? j.nextAttemptAt), kind: 'job-failing', text: `${what} failing after ${j.attempts} attempts: ${j.lastError ?? 'unknown error'}`, jobId: j.id, retryable: true });
    } else {
      steps.push({ at: iso(j.nextAttemptAt), kind: 'job-pending', text: `${what} pending`, jobId: j.id });
    }
  }
  if (s.state === 'failed' && s.failure) steps.push({ at: iso(s.stoppedAt ?? s.startedAt ?? s.createdAt), kind: 'failed', text: s.failure });
  // Steps with a time in order; the one learned by polling stays right after the reservation.
  return steps
    .map((step, i) => ({ step, i }))
    .sort((a, b) => (a.step.at ?? s.createdAt.toISOString()).localeCompare(b.step.at ?? s.createdAt.toISOString()) || a.i - b.i)
    .map(({ step }) => step);
}
