/**
 * What the station panel and the stations list show beyond the map's view: each charger's
 * vendor, model and firmware, since when each connector has been in its status (offline and
 * faulted durations), and when each running session started (elapsed time).
 */
import type { OperatorStationView } from '../../src/lib/shared/api.js';
import type { ChargerDetails, StationDetails } from '../../src/lib/shared/operator-api.js';
import type { ChargerRecord } from '../store/charger-repository.js';
import type { Queryable } from '../store/db.js';
import type { SessionRecord } from '../store/session-repository.js';

export interface StationDetailsDeps {
  db: Queryable;
  stations(stationId?: string): Promise<OperatorStationView[]>;
  chargers(): Promise<ChargerRecord[]>;
  session(db: Queryable, id: string): Promise<SessionRecord | null>;
}

const chargerDetails = (c: ChargerRecord): ChargerDetails => ({
  id: c.id,
  vendor: c.vendor,
  model: c.model,
  firmwareVersion: c.firmwareVersion,
  serialNumber: c.serialNumber,
  online: c.online,
  lastSeen: c.lastSeen?.toISOString()
});

export class StationDetailsReader {
  constructor(private readonly deps: StationDetailsDeps) {}

  async one(stationId: string): Promise<StationDetails | null> {
    const [station] = await this.deps.stations(stationId);
    if (!station) return null;
    return (await this.build([station]))[0];
  }

  async all(): Promise<StationDetails[]> {
    return this.build(await this.deps.stations());
  }

  private async build(stations: OperatorStationView[]): Promise<StationDetails[]> {
    const byId = new Map((await this.deps.chargers()).map((c) => [c.id, c]));
    const out: StationDetails[] = [];
    for (const station of stations) {
      const chargers: ChargerDetails[] = [];
      const statusSince: StationDetails['statusSince'] = {};
      const sessionStarted: StationDetails['sessionStarted'] = {};
      for (const ch of station.chargers) {
        const record = byId.get(ch.id);
        if (!record) continue;
        chargers.push(chargerDetails(record));
        for (const k of ch.connectors) {
          const rc = record.connectors.find((x) => `${record.id}-${x.connectorNo}` === k.id || x.id === k.id);
          // An offline charger's connectors have been offline since it was last heard from.
          statusSince[k.id] = (k.status === 'offline' ? record.lastSeen : rc?.statusAt)?.toISOString();
          if (k.session) sessionStarted[k.session.id] = (await this.deps.session(this.deps.db, k.session.id))?.startedAt?.toISOString();
        }
      }
      out.push({ station, chargers, statusSince, sessionStarted });
    }
    return out;
  }
}
