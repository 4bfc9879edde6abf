/**
 * A connector's codes worded in the driver's language (the landing page): statuses, amount
 * problems and form failures (those on the server, +page.server.ts). Why a connector is busy is
 * worded in Unavailable.svelte, which is loaded only when shown. The server sends codes; only
 * the pages word them. Kept apart from the session's words (session-words.ts) so each page ships only its own.
 */
import { m } from '$lib/paraglide/messages';
import type { ConnectorStatusWord } from '$lib/shared/api';
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
