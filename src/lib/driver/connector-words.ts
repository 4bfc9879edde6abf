/**
 * A connector's codes worded in the driver's language (the landing page): statuses, why it is
 * busy, amount problems and form failures. The server sends codes; only the pages word them.
 * Kept apart from the session's words (session-words.ts) so each page ships only its own.
 */
import { m } from '$lib/paraglide/messages';
import type { ConnectorStatusWord, UnavailableCode } from '$lib/shared/api';
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
    case 'too-many':
      return m.error_too_many();
    default:
      return m.error_failed();
  }
}
