/**
 * The counter pages' one client for /api/pos: same origin, the staff cookie goes along with the
 * page's CSRF token on every change, errors come back as the server's own words (problem+json
 * `detail`).
 */
export type PosReply<T> = { ok: true; data: T } | { ok: false; status: number; message: string };

let csrf = '';

/** The signed-in page's CSRF token (from the counter's layout), sent on every change. */
export function usePosCsrf(token: string): void {
  csrf = token;
}

export async function pos<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<PosReply<T>> {
  let res: Response;
  try {
    const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
    res = await fetch(`/api/pos${path}`, {
      method,
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method === 'GET' ? {} : { 'x-csrf-token': csrf })
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      credentials: 'same-origin'
    });
  } catch {
    return { ok: false, status: 0, message: 'plugpay cannot be reached. Check the network.' };
  }
  if (res.status === 204) return { ok: true, data: undefined as T };
  const body = await res.json().catch(() => null);
  if (res.ok) return { ok: true, data: body as T };
  return { ok: false, status: res.status, message: (body && typeof body.detail === 'string' && body.detail) || `plugpay answered ${res.status}.` };
}

/** The till this screen is: `?till=` in the address, remembered on the device. */
export function tillOf(url: URL): string {
  const fromUrl = url.searchParams.get('till');
  const valid = (t: string | null): t is string => !!t && /^[A-Za-z0-9_-]{1,32}$/.test(t);
  if (valid(fromUrl)) {
    localStorage.setItem('plugpay.till', fromUrl);
    return fromUrl;
  }
  const kept = localStorage.getItem('plugpay.till');
  return valid(kept) ? kept : 'till-1';
}
