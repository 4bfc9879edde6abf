import { afterEach, describe, expect, it } from 'vitest';
import { freshDb } from '../../tests/helpers/db.js';
import type { Db } from '../store/db.js';
import { StationRepository } from '../store/station-repository.js';
import { demoStations, seedDemo, seedFleet } from './demo.js';

describe('demo data', () => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('puts the demo stations on the map in demo mode only, never beside a custom fleet', async () => {
    db = await freshDb();
    await seedFleet(db, {
      chargers: [
        { id: 'MY-1', password: 'my-charger-password', station: 'Depot North', location: { lat: 63.4, lng: 10.4 }, connectors: [{ maxPowerW: 50000 }] },
        { id: 'MY-2', password: 'my-charger-password', station: 'Depot North', connectors: [{ maxPowerW: 50000 }] }
      ]
    } as never);
    const stations = new StationRepository();
    expect((await stations.stations(db)).map((s) => s.id)).toEqual(['sim-depot-north']);

    const demo = await freshDb();
    try {
      await seedDemo(demo, []);
      expect((await stations.stations(demo)).map((s) => s.id).sort()).toEqual(demoStations.map((s) => s.id).sort());
    } finally {
      await demo.close();
    }
  });
});
