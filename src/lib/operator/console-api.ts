/**
 * The console's calls to /api/operator from the browser: the session cookie goes along by
 * itself; a state-changing call carries the page's CSRF token in X-CSRF-Token.
 */
import type { StationDetails } from '$lib/shared/operator-api';

export type ActionReply = { ok: true; answer: string; state?: string } | { ok: false; message: string };

async function problemText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { detail?: string; title?: string };
    return body.detail ?? body.title ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

export async function operatorAction(path: string, body: unknown, csrf: string): Promise<ActionReply> {
  try {
    const res = await fetch(`/api/operator${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body ?? {})
    });
    if (!res.ok) return { ok: false, message: await problemText(res) };
    return (await res.json()) as ActionReply;
  } catch {
    return { ok: false, message: 'plugpay could not be reached. Check the connection and try again.' };
  }
}

export async function stationDetails(stationId: string): Promise<StationDetails | null> {
  const res = await fetch(`/api/operator/stations/${encodeURIComponent(stationId)}/details`);
  return res.ok ? ((await res.json()) as StationDetails) : null;
}
