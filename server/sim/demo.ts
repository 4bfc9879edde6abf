/**
 * Demo data for `npm start` without real chargers: stations in Oslo, Bergen and Trondheim, their
 * tariffs, and simulated chargers registered with plugpay. Applying it twice changes nothing.
 */
import { registerCharger } from '../chargers/registration.js';
import type { Tariff } from '../domain/tariff.js';
import { ChargerRepository } from '../store/charger-repository.js';
import type { Db } from '../store/db.js';
import { StationRepository } from '../store/station-repository.js';
import type { FleetConfig } from './charger/fleet.js';

/** Shared by the demo chargers and plugpay; the simulator is local, so this is no secret. */
export const DEMO_CHARGER_PASSWORD = 'plugpay-demo-charger-secret';

export const demoTariffs: Tariff[] = [
  { id: 'fast-dc', currency: 'NOK', pricePerKwhOre: 549, startFeeOre: 0, perMinuteOre: 0, idleFeePerMinuteOre: 0, idleGraceMinutes: 0, vatRateBp: 2500 },
  { id: 'city-ac', currency: 'NOK', pricePerKwhOre: 349, startFeeOre: 0, perMinuteOre: 10, idleFeePerMinuteOre: 0, idleGraceMinutes: 0, vatRateBp: 2500 },
  { id: 'hub-dc', currency: 'NOK', pricePerKwhOre: 479, startFeeOre: 500, perMinuteOre: 0, idleFeePerMinuteOre: 100, idleGraceMinutes: 30, vatRateBp: 2500 }
];

export const demoStations = [
  { id: 'oslo-aker-brygge', name: 'Aker Brygge', address: 'Stranden 1, 0250 Oslo', city: 'Oslo', lat: 59.9103, lng: 10.7266, tariffId: 'fast-dc' },
  { id: 'oslo-gronland', name: 'Grønland P-hus', address: 'Schweigaards gate 6, 0185 Oslo', city: 'Oslo', lat: 59.9126, lng: 10.7612, tariffId: 'city-ac' },
  { id: 'bergen-bryggen', name: 'Bryggen', address: 'Bryggen 15, 5003 Bergen', city: 'Bergen', lat: 60.3973, lng: 5.3239, tariffId: 'hub-dc' },
  { id: 'trondheim-solsiden', name: 'Solsiden', address: 'Beddingen 10, 7042 Trondheim', city: 'Trondheim', lat: 63.4346, lng: 10.4122, tariffId: 'fast-dc' }
];

export interface DemoCharger {
  id: string;
  stationId: string;
  connectors: number;
  plugType: string;
  maxPowerW: number;
}

export const demoChargers: DemoCharger[] = [
  { id: 'OSL-AKB-01', stationId: 'oslo-aker-brygge', connectors: 2, plugType: 'CCS', maxPowerW: 150000 },
  { id: 'OSL-GRO-01', stationId: 'oslo-gronland', connectors: 2, plugType: 'Type 2', maxPowerW: 22000 },
  { id: 'BGO-BRY-01', stationId: 'bergen-bryggen', connectors: 2, plugType: 'CCS', maxPowerW: 50000 },
  { id: 'TRD-SOL-01', stationId: 'trondheim-solsiden', connectors: 1, plugType: 'CCS', maxPowerW: 75000 }
];

export async function seedDemo(db: Db, chargers: DemoCharger[] = demoChargers): Promise<void> {
  const stations = new StationRepository();
  for (const t of demoTariffs) await stations.upsertTariff(db, t);
  for (const s of demoStations) await stations.upsertStation(db, s);
  const repo = new ChargerRepository(db);
  for (const c of chargers) {
    if (await repo.find(c.id)) continue;
    await registerCharger(db, { id: c.id, password: DEMO_CHARGER_PASSWORD, connectors: c.connectors, stationId: c.stationId, plugType: c.plugType, maxPowerW: c.maxPowerW });
  }
}

/**
 * Registers the chargers of a fleet file (SIM_CONFIG) with plugpay: each named station becomes a
 * station (at its location, on the city AC tariff) and each charger is registered with its own
 * password. Chargers already registered are left as they are. The demo stations are not
 * seeded: an operator's map shows their fleet and nothing else.
 */
export async function seedFleet(db: Db, fleet: FleetConfig): Promise<void> {
  const stations = new StationRepository();
  // Only the tariffs: the demo's own stations never appear beside a custom fleet.
  for (const t of demoTariffs) await stations.upsertTariff(db, t);
  const repo = new ChargerRepository(db);
  for (const c of fleet.chargers) {
    const name = c.station ?? c.id;
    const stationId = `sim-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
    await stations.upsertStation(db, {
      id: stationId,
      name,
      address: name,
      city: '',
      lat: c.location?.lat ?? 59.9139,
      lng: c.location?.lng ?? 10.7522,
      tariffId: 'city-ac'
    });
    if (await repo.find(c.id)) continue;
    await registerCharger(db, {
      id: c.id,
      password: c.password,
      connectors: c.connectors.length,
      stationId,
      plugType: c.connectors[0]?.plugType ?? 'Type 2',
      maxPowerW: c.connectors[0]?.maxPowerW ?? 22000
    });
  }
}
