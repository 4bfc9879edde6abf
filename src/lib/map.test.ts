import { describe, expect, it } from 'vitest';
import { boundsOf, fitProjection, ringPath, stationStatus } from './map';
import { norwayRing } from './norway';
import type { OperatorConnectorView, OperatorStationView } from './shared/api';

function aConnector(status: OperatorConnectorView['status'], no = 1): OperatorConnectorView {
  return { id: `c${no}`, connectorNo: no, plugType: 'CCS2', maxPowerW: 50000, status };
}
function aStation(chargers: Array<{ online?: boolean; statuses: OperatorConnectorView['status'][] }>): Pick<OperatorStationView, 'chargers'> {
  return {
    chargers: chargers.map((c, i) => ({ id: `ch${i}`, online: c.online ?? true, connectors: c.statuses.map((s, j) => aConnector(s, j + 1)) }))
  };
}

describe('projection', () => {
  const bounds = { minLng: 10, maxLng: 20, minLat: 60, maxLat: 70 };
  const p = fitProjection(bounds, 400, 10);

  it('puts the north-west corner top-left and the south-east corner bottom-right', () => {
    expect(p.project([10, 70])).toEqual([10, 10]);
    const [x, y] = p.project([20, 60]);
    expect(x).toBeCloseTo(390);
    expect(y).toBeCloseTo(p.height - 10);
  });

  it('shrinks longitude by the cosine of the middle latitude', () => {
    const kx = Math.cos((65 * Math.PI) / 180);
    // 10° of longitude are drawn 380 wide, so 10° of latitude are 380 / kx high.
    expect(p.height - 20).toBeCloseTo(380 / kx, 5);
  });

  it('fits Norway taller than wide', () => {
    const q = fitProjection(boundsOf(norwayRing), 400);
    expect(q.height).toBeGreaterThan(q.width);
    for (const pt of norwayRing) {
      const [x, y] = q.project(pt);
      expect(x).toBeGreaterThanOrEqual(-1e-9);
      expect(x).toBeLessThanOrEqual(400 + 1e-9);
      expect(y).toBeGreaterThanOrEqual(-1e-9);
      expect(y).toBeLessThanOrEqual(q.height + 1e-9);
    }
  });

  it('draws a closed path', () => {
    const d = ringPath([[10, 60], [20, 60], [15, 70]], p);
    expect(d.startsWith('M')).toBe(true);
    expect(d.endsWith('Z')).toBe(true);
    expect(d.match(/L/g)).toHaveLength(2);
  });

  it('refuses empty bounds', () => {
    expect(() => boundsOf([])).toThrow();
  });
});

describe('norway outline', () => {
  it('is a closed ring inside the country\'s rough box', () => {
    expect(norwayRing.length).toBeGreaterThan(50);
    expect(norwayRing[0]).toEqual(norwayRing[norwayRing.length - 1]);
    const b = boundsOf(norwayRing);
    expect(b.minLat).toBeGreaterThan(57.5);
    expect(b.maxLat).toBeLessThan(71.5);
    expect(b.minLng).toBeGreaterThan(4);
    expect(b.maxLng).toBeLessThan(31.5);
  });
});

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
