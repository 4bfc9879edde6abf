/** The one status a station shows on the operators' map and list (pure). */
import type { ConnectorStatusWord, OperatorStationView } from './shared/api';

/** What a station looks like on the map, worst news first. */
export type StationStatus = 'charging' | 'available' | 'busy' | 'faulted' | 'offline';

/**
 * One status per station: offline when no charger is online; faulted when any connector is;
 * charging when any connector charges; available when any connector is free; busy otherwise.
 */
export function stationStatus(station: Pick<OperatorStationView, 'chargers'>): StationStatus {
  const chargers = station.chargers;
  if (chargers.length === 0 || chargers.every((c) => !c.online)) return 'offline';
  const statuses: ConnectorStatusWord[] = chargers.filter((c) => c.online).flatMap((c) => c.connectors.map((k) => k.status));
  if (statuses.includes('faulted')) return 'faulted';
  if (statuses.some((s) => s === 'charging' || s === 'suspended')) return 'charging';
  if (statuses.some((s) => s === 'available')) return 'available';
  return 'busy';
}

export const stationStatusLabel: Record<StationStatus, string> = {
  charging: 'Charging',
  available: 'Available',
  busy: 'Busy',
  faulted: 'Fault',
  offline: 'Offline'
};
