/**
 * Codes from the server, worded in the driver's language. The server sends codes (session
 * states, failure reasons, why a connector is busy, receipt line ids); only the pages word them.
 */
import { m } from '$lib/paraglide/messages';
import type { ConnectorStatusWord, SessionState, UnavailableCode } from '$lib/shared/api';
import type { AmountProblem } from '$lib/amount';

export function connectorStatusWord(s: ConnectorStatusWord): string {
  switch (s) {
    case 'available':
      return m.status_available();
    case 'preparing':
      return m.status_preparing();
    case 'charging':
      return m.status_charging();
    case 'suspended':
      return m.status_suspended();
    case 'finishing':
      return m.status_finishing();
    case 'reserved':
      return m.status_reserved();
    case 'unavailable':
      return m.status_unavailable();
    case 'faulted':
      return m.status_faulted();
    case 'offline':
      return m.status_offline();
    default:
      return m.status_unknown();
  }
}

/** Why a connector cannot start, from its code (or, for live updates, from its status). */
export function unavailableWords(code: UnavailableCode | undefined, status: ConnectorStatusWord): string {
  const c: UnavailableCode | undefined =
    code ??
    (status === 'offline'
      ? 'offline'
      : status === 'faulted'
        ? 'faulted'
        : status === 'unavailable'
          ? 'out-of-service'
          : ['charging', 'suspended', 'finishing', 'reserved'].includes(status)
            ? 'in-use'
            : 'not-ready');
  switch (c) {
    case 'not-open':
      return m.unavailable_not_open();
    case 'offline':
      return m.unavailable_offline();
    case 'faulted':
      return m.unavailable_faulted();
    case 'out-of-service':
      return m.unavailable_out_of_service();
    case 'in-use':
      return m.unavailable_in_use();
    default:
      return m.unavailable_not_ready();
  }
}

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

export function amountProblemWords(code: AmountProblem | string | undefined, min: string, max: string): string {
  switch (code) {
    case 'enter-amount':
      return m.amount_enter();
    case 'out-of-range':
      return m.amount_out_of_range({ min, max });
    case 'not-an-amount':
      return m.amount_not_an_amount();
    default:
      return m.amount_choose();
  }
}

/** What a landing-page form action's failure code means for the driver. */
export function formFailureWords(code: string | undefined): string {
  switch (code) {
    case 'not-a-form':
      return m.error_not_a_form();
    case 'not-found':
      return m.error_connector_not_found();
    case 'unavailable':
      return m.error_unavailable();
    case 'provider-down':
      return m.error_provider_down();
    case 'expired':
      return m.error_expired();
    default:
      return m.error_failed();
  }
}
