/**
 * Session rows in a real store, for repository and watch tests: one station, one charger
 * ('CP1', connectors as asked) and sessions inserted on it, then moved to the wanted state.
 */
import { registerCharger } from '../../server/chargers/registration.js';
import type { Db } from '../../server/store/db.js';
import { SessionRepository, type SessionRecord } from '../../server/store/session-repository.js';
import { StationRepository } from '../../server/store/station-repository.js';
import { aTariff } from './builders.js';

export async function seedOneCharger(db: Db, connectors = 1): Promise<void> {
  const stations = new StationRepository();
  await stations.upsertTariff(db, aTariff({ id: 'std' }));
  await stations.upsertStation(db, { id: 'st1', name: 'S', address: 'A', city: 'Oslo', lat: 59.9, lng: 10.7, tariffId: 'std' });
  await registerCharger(db, { id: 'CP1', password: 'a-long-charger-password', connectors, stationId: 'st1' });
}

/** Inserts a session created at `createdAt` on CP1's connector, then applies `then` to it. */
export async function insertSession(
  db: Db,
  id: string,
  createdAt: Date,
  then: Partial<SessionRecord> = {},
  connectorNo = 1
): Promise<SessionRecord> {
  const repo = new SessionRepository();
  const inserted = await repo.insert(db, {
    id, tokenHash: 'h', connectorId: `CP1-${connectorNo}`, chargerId: 'CP1', connectorNo, state: 'awaiting_payment',
    paymentReference: `plugpay-${id}`, idTag: `PP${id.toUpperCase()}`.slice(0, 20), reservedOre: 35000, tariff: aTariff({ id: 'std' }),
    energyWh: 0, powerW: 0, createdAt
  });
  return Object.keys(then).length ? repo.update(db, { ...inserted, ...then }, createdAt) : inserted;
}
