/**
 * Chargers, their connectors, OCPP transactions and meter samples: every SQL statement the
 * charger gateway needs. Tables come from `001-initial` in migrations.ts.
 */
import type { Db, Queryable } from './db.js';

export interface ConnectorRecord {
  /** `<chargePointId>-<connectorNo>`, the id printed in the QR sticker. */
  id: string;
  connectorNo: number;
  plugType: string;
  maxPowerW: number;
  status: string;
  errorCode: string | null;
  statusAt: Date | null;
}

export interface ChargerRecord {
  id: string;
  stationId: string | null;
  vendor: string | null;
  model: string | null;
  serialNumber: string | null;
  firmwareVersion: string | null;
  online: boolean;
  nodeId: string | null;
  lastSeen: Date | null;
  bootedAt: Date | null;
  createdAt: Date;
  connectors: ConnectorRecord[];
}

export interface NewCharger {
  id: string;
  passwordHash: string;
  connectors: number;
  plugType?: string;
  maxPowerW?: number;
  stationId?: string | null;
}

export interface BootInfo {
  vendor: string;
  model: string;
  serialNumber?: string;
  firmwareVersion?: string;
}

export interface ChargeTransactionRecord {
  id: number;
  chargerId: string;
  connectorNo: number;
  idTag: string;
  meterStartWh: number;
  startedAt: Date;
  meterStopWh: number | null;
  stoppedAt: Date | null;
  stopReason: string | null;
  lastEnergyWh: number | null;
  lastPowerW: number | null;
  lastSoc: number | null;
  lastSampleAt: Date | null;
}

export interface NewChargeTransaction {
  chargerId: string;
  connectorNo: number;
  idTag: string;
  meterStartWh: number;
  startedAt: Date;
}

export interface MeterSampleRow {
  sampledAt: Date;
  measurand: string;
  /** '' when the charger sent no phase. */
  phase: string;
  context?: string | null;
  value: number;
  unit: string;
}

export interface LastSample {
  at: Date;
  energyWh?: number;
  powerW?: number;
  socPercent?: number;
}

export class ChargerExistsError extends Error {
  constructor(public readonly chargerId: string) {
    super(`charger ${chargerId} is already registered`);
    this.name = 'ChargerExistsError';
  }
}

export class ChargerInUseError extends Error {
  constructor(public readonly chargerId: string, options?: { cause?: unknown }) {
    super(`charger ${chargerId} has transactions or sessions on record and cannot be removed`, options);
    this.name = 'ChargerInUseError';
  }
}

type Row = Record<string, unknown>;

const chargerColumns = `id, station_id, vendor, model, serial_number, firmware_version, online, node_id, last_seen, booted_at, created_at`;
const txColumns = `id, charger_id, connector_no, id_tag, meter_start_wh, started_at, meter_stop_wh, stopped_at,
  stop_reason, last_energy_wh, last_power_w, last_soc, last_sample_at`;

function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v : new Date(String(v));
}

function toConnector(r: Row): ConnectorRecord {
  return {
    id: r.id as string,
    connectorNo: r.connector_no as number,
    plugType: r.plug_type as string,
    maxPowerW: r.max_power_w as number,
    status: r.status as string,
    errorCode: (r.error_code as string | null) ?? null,
    statusAt: toDate(r.status_at)
  };
}

function toCharger(r: Row, connectors: ConnectorRecord[]): ChargerRecord {
  return {
    id: r.id as string,
    stationId: (r.station_id as string | null) ?? null,
    vendor: (r.vendor as string | null) ?? null,
    model: (r.model as string | null) ?? null,
    serialNumber: (r.serial_number as string | null) ?? null,
    firmwareVersion: (r.firmware_version as string | null) ?? null,
    online: r.online as boolean,
    nodeId: (r.node_id as string | null) ?? null,
    lastSeen: toDate(r.last_seen),
    bootedAt: toDate(r.booted_at),
    createdAt: toDate(r.created_at) as Date,
    connectors
  };
}

function toTransaction(r: Row): ChargeTransactionRecord {
  return {
    id: r.id as number,
    chargerId: r.charger_id as string,
    connectorNo: r.connector_no as number,
    idTag: r.id_tag as string,
    // int8 columns come back from pg as strings.
    meterStartWh: Number(r.meter_start_wh),
    startedAt: toDate(r.started_at) as Date,
    meterStopWh: r.meter_stop_wh == null ? null : Number(r.meter_stop_wh),
    stoppedAt: toDate(r.stopped_at),
    stopReason: (r.stop_reason as string | null) ?? null,
    lastEnergyWh: r.last_energy_wh == null ? null : Number(r.last_energy_wh),
    lastPowerW: (r.last_power_w as number | null) ?? null,
    lastSoc: (r.last_soc as number | null) ?? null,
    lastSampleAt: toDate(r.last_sample_at)
  };
}

/** PostgreSQL's SQLSTATE for a unique or foreign-key violation, from either driver. */
function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

export class ChargerRepository {
  constructor(private readonly db: Db) {}

  /** Registers a charger with connectors 1..N, ids `<chargePointId>-<n>`, in one transaction. */
  async register(input: NewCharger): Promise<ChargerRecord> {
    try {
      await this.db.transaction(async (tx) => {
        await tx.query(`insert into chargers (id, station_id, password_hash) values ($1, $2, $3)`, [
          input.id,
          input.stationId ?? null,
          input.passwordHash
        ]);
        for (let n = 1; n <= input.connectors; n++) {
          await tx.query(
            `insert into connectors (id, charger_id, connector_no, plug_type, max_power_w) values ($1, $2, $3, $4, $5)`,
            [`${input.id}-${n}`, input.id, n, input.plugType ?? 'Type 2', input.maxPowerW ?? 22000]
          );
        }
      });
    } catch (err) {
      if (sqlState(err) === '23505') throw new ChargerExistsError(input.id);
      throw err;
    }
    return (await this.find(input.id)) as ChargerRecord;
  }

  async find(id: string): Promise<ChargerRecord | null> {
    const { rows } = await this.db.query(`select ${chargerColumns} from chargers where id = $1`, [id]);
    if (rows.length === 0) return null;
    return toCharger(rows[0], await this.connectorsOf(this.db, [id]).then((m) => m.get(id) ?? []));
  }

  async list(): Promise<ChargerRecord[]> {
    const { rows } = await this.db.query(`select ${chargerColumns} from chargers order by id`);
    const connectors = await this.connectorsOf(this.db, rows.map((r) => r.id as string));
    return rows.map((r) => toCharger(r, connectors.get(r.id as string) ?? []));
  }

  private async connectorsOf(q: Queryable, ids: string[]): Promise<Map<string, ConnectorRecord[]>> {
    const out = new Map<string, ConnectorRecord[]>();
    if (ids.length === 0) return out;
    const { rows } = await q.query(
      `select id, charger_id, connector_no, plug_type, max_power_w, status, error_code, status_at
         from connectors where charger_id = any($1::text[]) order by charger_id, connector_no`,
      [ids]
    );
    for (const r of rows) {
      const list = out.get(r.charger_id as string) ?? [];
      list.push(toConnector(r));
      out.set(r.charger_id as string, list);
    }
    return out;
  }

  /** The stored scrypt hash, or null for an unknown charger. */
  async passwordHash(id: string): Promise<string | null> {
    const { rows } = await this.db.query<{ password_hash: string }>(`select password_hash from chargers where id = $1`, [id]);
    return rows[0]?.password_hash ?? null;
  }

  /**
   * Removes a charger and its connectors. Transactions and sessions are money records that
   * reference it, so a charger with history is refused (ChargerInUseError), not erased.
   * Returns false when no such charger exists.
   */
  async remove(id: string): Promise<boolean> {
    try {
      const { rows } = await this.db.query(`delete from chargers where id = $1 returning id`, [id]);
      return rows.length > 0;
    } catch (err) {
      if (sqlState(err) === '23503') throw new ChargerInUseError(id, { cause: err });
      throw err;
    }
  }

  async setBootInfo(id: string, boot: BootInfo, at: Date): Promise<void> {
    await this.db.query(
      `update chargers set vendor = $2, model = $3, serial_number = $4, firmware_version = $5, booted_at = $6, last_seen = $6
        where id = $1`,
      [id, boot.vendor, boot.model, boot.serialNumber ?? null, boot.firmwareVersion ?? null, at]
    );
  }

  async markOnline(id: string, nodeId: string, at: Date): Promise<void> {
    await this.db.query(`update chargers set online = true, node_id = $2, last_seen = $3 where id = $1`, [id, nodeId, at]);
  }

  /**
   * Marks a charger offline, but only if `nodeId` still holds it: when the charger has already
   * reconnected to another node, that node's claim wins. Returns whether it changed anything.
   */
  async markOffline(id: string, nodeId: string, at: Date): Promise<boolean> {
    const { rows } = await this.db.query(
      `update chargers set online = false, last_seen = greatest(coalesce(last_seen, $3), $3)
        where id = $1 and node_id = $2 and online returning id`,
      [id, nodeId, at]
    );
    return rows.length > 0;
  }

  /** After a crash: every charger this node left marked online is offline now. Returns their ids. */
  async markAllOfflineForNode(nodeId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `update chargers set online = false where node_id = $1 and online returning id`,
      [nodeId]
    );
    return rows.map((r) => r.id).sort();
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.query(`update chargers set last_seen = $2 where id = $1`, [id, at]);
  }

  /**
   * Stores a connector's status unless a newer one is already stored (a queued, older
   * StatusNotification must not overwrite the present). Returns false for an unknown connector
   * or an older status.
   */
  async setConnectorStatus(chargerId: string, connectorNo: number, status: string, errorCode: string | null, at: Date): Promise<boolean> {
    const { rows } = await this.db.query(
      `update connectors set status = $3, error_code = $4, status_at = $5
        where charger_id = $1 and connector_no = $2 and (status_at is null or status_at <= $5) returning id`,
      [chargerId, connectorNo, status, errorCode, at]
    );
    return rows.length > 0;
  }

  /** Marks every connector of a charger with one status (e.g. 'offline'), whatever its age. */
  async setAllConnectorsStatus(chargerId: string, status: string, at: Date): Promise<void> {
    await this.db.query(`update connectors set status = $2, error_code = null, status_at = $3 where charger_id = $1`, [chargerId, status, at]);
  }

  /**
   * Inserts a transaction, or finds the one a charger already started with the same charger,
   * connector, idTag and start time (a StartTransaction repeated after a reboot, OCPP 1.6 §4.8).
   */
  async startTransaction(t: NewChargeTransaction): Promise<{ transaction: ChargeTransactionRecord; created: boolean }> {
    const inserted = await this.db.query(
      `insert into charge_transactions (charger_id, connector_no, id_tag, meter_start_wh, started_at)
       values ($1, $2, $3, $4, $5)
       on conflict (charger_id, connector_no, id_tag, started_at) do nothing
       returning ${txColumns}`,
      [t.chargerId, t.connectorNo, t.idTag, t.meterStartWh, t.startedAt]
    );
    if (inserted.rows.length > 0) return { transaction: toTransaction(inserted.rows[0]), created: true };
    const { rows } = await this.db.query(
      `select ${txColumns} from charge_transactions
        where charger_id = $1 and connector_no = $2 and id_tag = $3 and started_at = $4`,
      [t.chargerId, t.connectorNo, t.idTag, t.startedAt]
    );
    return { transaction: toTransaction(rows[0]), created: false };
  }

  /** Undoes a just-inserted transaction nobody was told about, so the charger's retry starts afresh. */
  async forgetTransaction(id: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`delete from meter_samples where transaction_id = $1`, [id]);
      await tx.query(`delete from charge_transactions where id = $1 and stopped_at is null`, [id]);
    });
  }

  async findTransaction(id: number): Promise<ChargeTransactionRecord | null> {
    const { rows } = await this.db.query(`select ${txColumns} from charge_transactions where id = $1`, [id]);
    return rows.length > 0 ? toTransaction(rows[0]) : null;
  }

  /**
   * Marks a transaction stopped exactly once: returns the stopped record the first time, null when
   * it was already stopped or does not exist.
   */
  async stopTransaction(id: number, stop: { meterStopWh: number; stoppedAt: Date; reason: string }): Promise<ChargeTransactionRecord | null> {
    const { rows } = await this.db.query(
      `update charge_transactions set meter_stop_wh = $2, stopped_at = $3, stop_reason = $4
        where id = $1 and stopped_at is null returning ${txColumns}`,
      [id, stop.meterStopWh, stop.stoppedAt, stop.reason]
    );
    return rows.length > 0 ? toTransaction(rows[0]) : null;
  }

  async meterSamples(transactionId: number): Promise<MeterSampleRow[]> {
    const { rows } = await this.db.query(
      `select sampled_at, measurand, phase, context, value, unit from meter_samples
        where transaction_id = $1 order by sampled_at, measurand, phase`,
      [transactionId]
    );
    return rows.map((r) => ({
      sampledAt: toDate(r.sampled_at) as Date,
      measurand: r.measurand as string,
      phase: r.phase as string,
      context: (r.context as string | null) ?? null,
      value: Number(r.value),
      unit: r.unit as string
    }));
  }
}
