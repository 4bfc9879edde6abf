/** The sessions list's filters, read from the query string (so a filtered list can be bookmarked). */
import type { SessionState } from '$lib/shared/api';
import { SESSION_STATES, type SessionFilter } from '$lib/shared/operator-api';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function sessionFilterOf(params: URLSearchParams): SessionFilter {
  const state = params.get('state') as SessionState | null;
  const day = (k: string) => {
    const v = params.get(k);
    return v && DAY.test(v) ? v : undefined;
  };
  const station = params.get('station')?.slice(0, 100).trim();
  return { stationId: station || undefined, state: state && SESSION_STATES.includes(state) ? state : undefined, from: day('from'), to: day('to') };
}

/** The same filters as a query string, for links (CSV export of what is shown). */
export function sessionFilterQuery(f: SessionFilter): string {
  const p = new URLSearchParams();
  if (f.stationId) p.set('station', f.stationId);
  if (f.state) p.set('state', f.state);
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', f.to);
  const q = p.toString();
  return q ? `?${q}` : '';
}
