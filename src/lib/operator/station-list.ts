/**
 * The stations list: one row per station with its status, city and, for a station that is
 * offline or has a fault, since when; filtered by a search text, a status and a city, in
 * natural order.
 */
import type { StationDetails } from '$lib/shared/operator-api';
import { stationStatus, type StationStatus } from '$lib/map';
import { naturalCompare } from './natural-sort';

export interface StationRow {
  id: string;
  name: string;
  address: string;
  city: string;
  status: StationStatus;
  connectors: number;
  chargers: string[];
  /** For offline and faulted stations: since when (ISO), the earliest of the connectors concerned. */
  troubleSince?: string;
  powerW: number;
}

export interface StationFilter {
  q?: string;
  status?: StationStatus;
  city?: string;
}

export const STATION_STATUSES: StationStatus[] = ['available', 'charging', 'busy', 'faulted', 'offline'];

export function stationRow(d: StationDetails): StationRow {
  const s = d.station;
  const status = stationStatus(s);
  const connectors = s.chargers.flatMap((c) => c.connectors);
  const troubled = status === 'offline' || status === 'faulted' ? connectors.filter((k) => k.status === status) : [];
  const since = troubled
    .map((k) => d.statusSince[k.id])
    .filter((t): t is string => Boolean(t))
    .sort()[0];
  return {
    id: s.id,
    name: s.name,
    address: s.address,
    city: s.city,
    status,
    connectors: connectors.length,
    chargers: s.chargers.map((c) => c.id),
    troubleSince: since,
    powerW: connectors.reduce((w, k) => w + (k.session?.powerW ?? 0), 0)
  };
}

const fold = (text: string) => text.toLocaleLowerCase('nb').normalize('NFKD');

/** The rows matching every part of `filter`, in natural order of their names. */
export function filterStations(rows: StationRow[], filter: StationFilter): StationRow[] {
  const words = fold(filter.q ?? '').split(/\s+/).filter(Boolean);
  return rows
    .filter((r) => !filter.status || r.status === filter.status)
    .filter((r) => !filter.city || fold(r.city) === fold(filter.city))
    .filter((r) => {
      const hay = fold([r.name, r.address, r.city, r.id, ...r.chargers].join(' '));
      return words.every((w) => hay.includes(w));
    })
    .sort((a, b) => naturalCompare(a.name, b.name) || naturalCompare(a.id, b.id));
}

/** The cities that occur, in order, for the city filter. */
export function citiesOf(rows: StationRow[]): string[] {
  return [...new Set(rows.map((r) => r.city).filter(Boolean))].sort(naturalCompare);
}
