/**
 * The error page's words, chosen on the server in the driver's language and sent in the error
 * itself (App.Error.words), so the browser's root error page (loaded with every page) carries
 * no strings of its own. Known codes get their sentence; SvelteKit's own English words become
 * ours; other pages' own messages (the operator console speaks English) are kept.
 */
import { m } from '$lib/paraglide/messages';

export function errorWords(status: number, code: string | undefined): NonNullable<App.Error['words']> {
  const title = status === 403 ? m.error_title_403() : status === 404 ? m.error_title_404() : status === 503 ? m.error_title_503() : m.error_title_other();
  let text: string;
  switch (code) {
    case 'connector-not-found':
      text = m.error_connector_not_found();
      break;
    case 'session-not-found':
      text = m.error_session_not_found();
      break;
    case 'session-forbidden':
      text = m.error_session_forbidden();
      break;
    case 'failed':
      text = m.error_try_again();
      break;
    default:
      if (status >= 500 || !code) text = m.error_try_again();
      else if (code === 'Not Found') text = m.error_title_404();
      else text = code;
  }
  return {
    status: m.error_status({ status }),
    title,
    text,
    hint: status === 403 ? m.error_403_hint() : undefined,
    retry: m.error_retry(),
    home: m.error_home()
  };
}

/** `error(status, driverError(status, code))`: an HTTP error whose page is worded here. */
export function driverError(status: number, code: string): App.Error {
  return { message: code, words: errorWords(status, code) };
}
