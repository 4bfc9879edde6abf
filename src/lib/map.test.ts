import { describe, expect, it } from 'vitest';
import { stationStatus } from './map';
import type { OperatorConnectorView, OperatorStationView } from './shared/api';

function aConnector(status: OperatorConnectorView['status'], no = 1): OperatorConnectorView {
  return { id: `c${no}`, connectorNo: no, plugType: 'CCS2', maxPowerW: 50000, status };
}
function aStation(chargers: Array<{ online?: boolean; statuses: OperatorConnectorView['status'][] }>): Pick<OperatorStationView, 'chargers'> {
  return {
    chargers: chargers.map((c, i) => ({ id: `ch${i}`, online: c.online ?? true, connectors: c.statuses.map((s, j) => aConnector(s, j + 1)) }))
  };
}

describe('stationStatus', () => {
  it.each([
    ['offline without chargers', aStation([]), 'offline'],
    ['offline when no charger is online', aStation([{ online: false, statuses: ['available'] }]), 'offline'],
    ['faulted wins over the rest', aStation([{ statuses: ['charging', 'faulted', 'available'] }]), 'faulted'],
    ['charging when one charges', aStation([{ statuses: ['available', 'charging'] }]), 'charging'],
    ['suspended counts as charging', aStation([{ statuses: ['suspended'] }]), 'charging'],
    ['available when one is free', aStation([{ statuses: ['available', 'reserved'] }]), 'available'],
    ['busy otherwise', aStation([{ statuses: ['preparing', 'finishing'] }]), 'busy'],
    ['ignores connectors of offline chargers', aStation([{ online: false, statuses: ['faulted'] }, { statuses: ['available'] }]), 'available']
  ] as const)('%s', (_name, station, expected) => expect(stationStatus(station)).toBe(expected));
});
