import type { RequestEvent } from '@sveltejs/kit';
import type { RequestOrigin } from '$lib/shared/api';

/**
 * The connection's peer and X-Forwarded-For, for plugpay to tell which device is asking (it
 * applies TRUSTED_PROXIES itself, as for the API). A handler that cannot tell the peer (no
 * socket) leaves it undefined rather than failing the page.
 */
export function requestOrigin(event: Pick<RequestEvent, 'getClientAddress' | 'request'>): RequestOrigin {
  let peer: string | undefined;
  try {
    peer = event.getClientAddress();
  } catch {
    peer = undefined;
  }
  return { peer, forwardedFor: event.request.headers.get('x-forwarded-for') };
}
