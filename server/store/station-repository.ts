/** Tariffs, stations and the connector views built from them. */
import type { StationView } from '../../src/lib/shared/api.js';
import { validateTariff, type Tariff } from '../domain/tariff.js';
import type { Queryable } from './db.js';

/** A station as the driver sees it, plus the tariff it charges. */
export interface StationRecord extends StationView {
  tariffId: string;
}

export interface ConnectorRecord {
  id: string;
  chargerId: string;
  connectorNo: number;
  plugType: string;
  maxPowerW: number;
  status: string;
  chargerOnline: boolean;
  chargerLastSeen?: Date;
  station?: StationRecord;
  tariff?: Tariff;
}

type Row = Record<string, any>;

export function tariffFromRow(r: Row, prefix = ''): Tariff {
  return {
    id: r[`${prefix}id`],
    currency: 'NOK',
    pricePerKwhOre: r[`${prefix}price_per_kwh_ore`],
    startFeeOre: r[`${prefix}start_fee_ore`],
    perMinuteOre: r[`${prefix}per_minute_ore`],
    idleFeePerMinuteOre: r[`${prefix}idle_fee_per_minute_ore`],
    idleGraceMinutes: r[`${prefix}idle_grace_minutes`],
    vatRateBp: r[`${prefix}vat_rate_bp`]
  };
}

const CONNECTOR_SELECT = `
  select c.id, c.charger_id, c.connector_no, c.plug_type, c.max_power_w, c.status,
         ch.online as charger_online, ch.last_seen as charger_last_seen,
         s.id as s_id, s.name as s_name, s.address as s_address, s.city as s_city, s.lat as s_lat, s.lng as s_lng, s.tariff_id as s_tariff_id,
         t.id as t_id, t.price_per_kwh_ore as t_price_per_kwh_ore, t.start_fee_ore as t_start_fee_ore, t.per_minute_ore as t_per_minute_ore,
         t.idle_fee_per_minute_ore as t_idle_fee_per_minute_ore, t.idle_grace_minutes as t_idle_grace_minutes, t.vat_rate_bp as t_vat_rate_bp
    from connectors c
    join chargers ch on ch.id = c.charger_id
    left join stations s on s.id = ch.station_id
    left join tariffs t on t.id = s.tariff_id`;

function connectorFromRow(r: Row): ConnectorRecord {
  return {
    id: r.id,
    chargerId: r.charger_id,
    connectorNo: r.connector_no,
    plugType: r.plug_type,
    maxPowerW: r.max_power_w,
    status: r.status,
    chargerOnline: r.charger_online,
    chargerLastSeen: r.charger_last_seen ? new Date(r.charger_last_seen) : undefined,
    station: r.s_id
      ? { id: r.s_id, name: r.s_name, address: r.s_address, city: r.s_city, lat: Number(r.s_lat), lng: Number(r.s_lng), tariffId: r.s_tariff_id }
      : undefined,
    tariff: r.t_id ? tariffFromRow(r, 't_') : undefined
  };
}

export class StationRepository {
  async upsertTariff(db: Queryable, t: Tariff): Promise<void> {
    validateTariff(t);
    await db.query(
      `insert into tariffs (id, currency, price_per_kwh_ore, start_fee_ore, per_minute_ore, idle_fee_per_minute_ore, idle_grace_minutes, vat_rate_bp)
       values ($1,$2,$3,$4,$5,$6,$7,$8)
       on conflict (id) do update set price_per_kwh_ore=excluded.price_per_kwh_ore, start_fee_ore=excluded.start_fee_ore,
         per_minute_ore=excluded.per_minute_ore, idle_fee_per_minute_ore=excluded.idle_fee_per_minute_ore,
         idle_grace_minutes=excluded.idle_grace_minutes, vat_rate_bp=excluded.vat_rate_bp`,
      [t.id, t.currency, t.pricePerKwhOre, t.startFeeOre, t.perMinuteOre, t.idleFeePerMinuteOre, t.idleGraceMinutes, t.vatRateBp]
    );
  }

  async upsertStation(db: Queryable, s: StationRecord): Promise<void> {
    await db.query(
      `insert into stations (id, name, address, city, lat, lng, tariff_id) values ($1,$2,$3,$4,$5,$6,$7)
       on conflict (id) do update set name=excluded.name, address=excluded.address, city=excluded.city, lat=excluded.lat,
         lng=excluded.lng, tariff_id=excluded.tariff_id`,
      [s.id, s.name, s.address, s.city, s.lat, s.lng, s.tariffId]
    );
  }

  async stations(db: Queryable, stationId?: string): Promise<StationRecord[]> {
    const { rows } = stationId
      ? await db.query(`select * from stations where id = $1`, [stationId])
      : await db.query(`select * from stations order by city, name`);
    return rows.map((r: Row) => ({ id: r.id, name: r.name, address: r.address, city: r.city, lat: Number(r.lat), lng: Number(r.lng), tariffId: r.tariff_id }));
  }

  async connector(db: Queryable, id: string): Promise<ConnectorRecord | null> {
    const { rows } = await db.query(`${CONNECTOR_SELECT} where c.id = $1`, [id]);
    return rows[0] ? connectorFromRow(rows[0]) : null;
  }

  async connectorByCharger(db: Queryable, chargerId: string, connectorNo: number): Promise<ConnectorRecord | null> {
    const { rows } = await db.query(`${CONNECTOR_SELECT} where c.charger_id = $1 and c.connector_no = $2`, [chargerId, connectorNo]);
    return rows[0] ? connectorFromRow(rows[0]) : null;
  }

  async connectors(db: Queryable, opts: { stationId?: string; chargerId?: string } = {}): Promise<ConnectorRecord[]> {
    const where = opts.stationId ? 'where s.id = $1' : opts.chargerId ? 'where ch.id = $1' : '';
    const params = opts.stationId ? [opts.stationId] : opts.chargerId ? [opts.chargerId] : [];
    const { rows } = await db.query(`${CONNECTOR_SELECT} ${where} order by c.charger_id, c.connector_no`, params);
    return rows.map(connectorFromRow);
  }

  /**
   * Up to `limit` connectors at a station, other than `exceptId`, whose charger is online and
   * that say they are available or preparing: the only ones that can be free to start at. A
   * bounded read, whatever the station's size (a busy connector's page points to them).
   */
  async startableAtStation(db: Queryable, stationId: string, exceptId: string, limit: number): Promise<ConnectorRecord[]> {
    const { rows } = await db.query(
      `${CONNECTOR_SELECT} where s.id = $1 and c.id <> $2 and ch.online and c.status in ('available', 'preparing')
        order by c.charger_id, c.connector_no limit $3`,
      [stationId, exceptId, limit]
    );
    return rows.map(connectorFromRow);
  }

  /** Locks a connector's row for the rest of the transaction; false when there is no such connector. */
  async lockConnector(tx: Queryable, id: string): Promise<boolean> {
    const { rows } = await tx.query('select id from connectors where id = $1 for update', [id]);
    return rows.length > 0;
  }

  async chargerOnline(db: Queryable, chargerId: string): Promise<boolean> {
    const { rows } = await db.query<{ online: boolean }>('select online from chargers where id = $1', [chargerId]);
    return rows[0]?.online === true;
  }
}
