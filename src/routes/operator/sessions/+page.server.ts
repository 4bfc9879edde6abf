import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/staff';
import { sessionFilterOf } from '$lib/operator/session-filter';
import { naturalSortBy } from '$lib/operator/natural-sort';

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole({ locals, url }, 'operator');
  const filter = sessionFilterOf(url.searchParams);
  const [sessions, stations] = await Promise.all([locals.operator.sessions(filter), locals.operator.stations()]);
  return { sessions, filter, stations: naturalSortBy(stations, (s) => s.name).map((s) => ({ id: s.id, name: s.name })) };
};
