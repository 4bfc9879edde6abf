/**
 * A session's codes worded in the driver's language (the session page, "my charging"): states,
 * failure reasons, receipt lines. The server sends codes; only the pages word them.
 */
import { m } from '$lib/paraglide/messages';
import type { SessionState } from '$lib/shared/api';

export function sessionStateWord(s: SessionState): string {
  switch (s) {
    case 'awaiting_payment':
      return m.state_awaiting_payment();
    case 'starting':
      return m.state_starting();
    case 'charging':
      return m.state_charging();
    case 'stopping':
      return m.state_stopping();
    case 'finalizing':
      return m.state_finalizing();
    case 'completed':
      return m.state_completed();
    default:
      return m.state_failed();
  }
}

/** A session's failure or stop reason, without "you have not been charged" (said once, elsewhere). */
export function failureWords(code: string | undefined): string {
  switch (code) {
    case 'rejected':
      return m.failure_rejected();
    case 'expired':
      return m.failure_expired();
    case 'terminated':
      return m.failure_terminated();
    case 'abandoned':
      return m.failure_abandoned();
    case 'cancelled':
      return m.failure_cancelled();
    case 'start-rejected':
      return m.failure_start_rejected();
    case 'start-unreachable':
      return m.failure_start_unreachable();
    case 'start-timeout':
      return m.failure_start_timeout();
    case 'offline':
      return m.failure_offline();
    default:
      return m.failure_other();
  }
}

export function receiptLineWords(id: string): string {
  switch (id) {
    case 'energy':
      return m.line_energy();
    case 'time':
      return m.line_time();
    case 'idle':
      return m.line_idle();
    case 'start':
      return m.line_start();
    case 'cap':
      return m.line_cap();
    default:
      return id;
  }
}
