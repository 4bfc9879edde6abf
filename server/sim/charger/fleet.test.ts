import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCentralSystem, type FakeCentralSystem } from './fake-central-system.js';
import { createChargerFleet, FleetConfigError, loadFleetConfig, parseFleetConfig } from './fleet.js';

const aCharger = (over: Record<string, unknown> = {}) => ({ id: 'CP-1', password: 'long-enough', connectors: [{ maxPowerW: 22000 }], ...over });

describe('parseFleetConfig', () => {
  it.each([
    { name: 'no chargers', data: { chargers: [] }, msg: /chargers: the fleet needs at least one charger/ },
    { name: 'missing chargers', data: {}, msg: /chargers: / },
    { name: 'short password', data: { chargers: [aCharger({ password: 'x' })] }, msg: /chargers\.0\.password: OCPP security profile 1/ },
    { name: 'no connectors', data: { chargers: [aCharger({ connectors: [] })] }, msg: /chargers\.0\.connectors: a charger needs at least one connector/ },
    { name: 'negative power', data: { chargers: [aCharger({ connectors: [{ maxPowerW: -1 }] })] }, msg: /chargers\.0\.connectors\.0\.maxPowerW/ },
    { name: 'id with a slash', data: { chargers: [aCharger({ id: 'a/b' })] }, msg: /chargers\.0\.id: use 1-48 letters/ },
    { name: 'latitude out of range', data: { chargers: [aCharger({ location: { lat: 91, lng: 0 } })] }, msg: /chargers\.0\.location\.lat/ },
    { name: 'duplicate ids', data: { chargers: [aCharger(), aCharger()] }, msg: /chargers\.1\.id: duplicate charger id CP-1/ }
  ])('rejects $name with a message naming the path', ({ data, msg }) => {
    expect(() => parseFleetConfig(data)).toThrow(FleetConfigError);
    expect(() => parseFleetConfig(data)).toThrow(msg);
  });

  it('accepts the example file', async () => {
    const path = fileURLToPath(new URL('./fleet.example.json', import.meta.url));
    const cfg = await loadFleetConfig(path);
    expect(cfg.chargers).toHaveLength(3);
    expect(cfg.chargers[0].location).toEqual({ lat: 59.9106, lng: 10.7275 });
  });
});

describe('loadFleetConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plugpay-fleet-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names a missing file', async () => {
    await expect(loadFleetConfig(join(dir, 'nope.json'))).rejects.toThrow(/cannot read fleet config .*nope\.json/);
  });

  it('names a file that is not JSON', async () => {
    const p = join(dir, 'bad.json');
    await writeFile(p, '{ chargers: ');
    await expect(loadFleetConfig(p)).rejects.toThrow(/bad\.json is not valid JSON/);
  });
});

describe('createChargerFleet', () => {
  let csms: FakeCentralSystem;
  beforeAll(async () => {
    csms = await startFakeCentralSystem();
  });
  afterAll(async () => {
    await csms.close();
  });

  it('starts every charger against one central system and stops them', async () => {
    const fleet = createChargerFleet({
      url: csms.url,
      chargers: [aCharger({ id: 'F-1' }), aCharger({ id: 'F-2', connectors: [{ maxPowerW: 7400 }, { maxPowerW: 7400 }] })]
    });
    try {
      await fleet.start();
      expect([...fleet.chargers.keys()]).toEqual(['F-1', 'F-2']);
      expect([...fleet.chargers.values()].every((c) => c.online)).toBe(true);
      expect(csms.calls.filter((c) => c.method === 'BootNotification').map((c) => c.identity).sort()).toEqual(['F-1', 'F-2']);
    } finally {
      await fleet.stop();
    }
    expect([...fleet.chargers.values()].some((c) => c.online)).toBe(false);
  });

  it('stamps its messages with the clock it is given', async () => {
    const fleet = createChargerFleet({ url: csms.url, chargers: [aCharger({ id: 'F-CLOCK' })], clock: () => new Date('2031-03-12T11:00:00Z') });
    try {
      await fleet.start();
      const status = await csms.waitFor('StatusNotification', (c) => c.identity === 'F-CLOCK');
      expect(status.params.timestamp).toBe('2031-03-12T11:00:00.000Z');
    } finally {
      await fleet.stop();
    }
  });
});
