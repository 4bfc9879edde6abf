import { describe, expect, it } from 'vitest';
import type { OperatorStationView } from '$lib/shared/api';
import type { StationDetails } from '$lib/shared/operator-api';
import { citiesOf, filterStations, stationRow } from './station-list';

function details(id: string, name: string, city: string, status: 'available' | 'charging' | 'faulted' | 'offline', since?: string): StationDetails {
  const online = status !== 'offline';
  const station: OperatorStationView = {
    id,
    name,
    address: 'Storgata',
    city,
    lat: 60,
    lng: 10,
    chargers: [
      {
        id: `${id}-CP`,
        online,
        connectors: [
          { id: `${id}-CP-1`, connectorNo: 1, plugType: 'CCS', maxPowerW: 50000, status, session: status === 'charging' ? { id: 's1', state: 'charging', energyWh: 1, powerW: 7000, costOre: 1 } : undefined },
          { id: `${id}-CP-2`, connectorNo: 2, plugType: 'CCS', maxPowerW: 50000, status: online ? 'available' : 'offline' }
        ]
      }
    ]
  };
  return { station, chargers: [], statusSince: { [`${id}-CP-1`]: since, [`${id}-CP-2`]: status === 'offline' ? '2030-01-01T10:00:00.000Z' : undefined }, sessionStarted: {} };
}

const rows = [
  details('s10', 'Station 10', 'Oslo', 'available'),
  details('s2', 'Station 2', 'Bergen', 'faulted', '2030-01-01T08:00:00.000Z'),
  details('s1', 'Station 1', 'Oslo', 'offline', '2030-01-01T09:00:00.000Z'),
  details('tr', 'Solsiden', 'Trondheim', 'charging')
].map(stationRow);

describe('the stations list', () => {
  it('sorts naturally', () => {
    expect(filterStations(rows, {}).map((r) => r.name)).toEqual(['Solsiden', 'Station 1', 'Station 2', 'Station 10']);
  });

  it('filters by status, by city and by search words (name, address, charger id)', () => {
    expect(filterStations(rows, { status: 'faulted' }).map((r) => r.id)).toEqual(['s2']);
    expect(filterStations(rows, { city: 'oslo' }).map((r) => r.id)).toEqual(['s1', 's10']);
    expect(filterStations(rows, { q: 'station 1' }).map((r) => r.id)).toEqual(['s1', 's10']);
    expect(filterStations(rows, { q: 'tr-cp' }).map((r) => r.id)).toEqual(['tr']);
    expect(filterStations(rows, { q: 'station', city: 'Oslo', status: 'available' }).map((r) => r.id)).toEqual(['s10']);
  });

  it('says since when a station has been offline or faulted: its earliest troubled connector', () => {
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId.s2.troubleSince).toBe('2030-01-01T08:00:00.000Z');
    expect(byId.s1.troubleSince).toBe('2030-01-01T09:00:00.000Z');
    expect(byId.s10.troubleSince).toBeUndefined();
    expect(byId.tr.powerW).toBe(7000);
  });

  it('lists the cities once each', () => {
    expect(citiesOf(rows)).toEqual(['Bergen', 'Oslo', 'Trondheim']);
  });
});
