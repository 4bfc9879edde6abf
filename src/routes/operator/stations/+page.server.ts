import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/staff';
import { citiesOf, filterStations, STATION_STATUSES, stationRow, type StationFilter } from '$lib/operator/station-list';
import type { StationStatus } from '$lib/map';

/** The filters arrive as query parameters, so the list works and can be bookmarked without JavaScript. */
function filterOf(url: URL): StationFilter {
  const q = url.searchParams.get('q')?.slice(0, 100).trim() || undefined;
  const status = url.searchParams.get('status') as StationStatus | null;
  const city = url.searchParams.get('city')?.slice(0, 100) || undefined;
  return { q, status: status && STATION_STATUSES.includes(status) ? status : undefined, city };
}

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole({ locals, url }, 'operator');
  const rows = (await locals.operator.allStationDetails()).map(stationRow);
  const filter = filterOf(url);
  return { rows: filterStations(rows, filter), total: rows.length, cities: citiesOf(rows), filter, now: new Date().toISOString() };
};
