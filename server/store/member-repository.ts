/**
 * Members, their agreements, their daily charges, and the member sessions those charges bill.
 * Rows ↔ plugpay's own words (agreement and charge states are plugpay's, not Vipps').
 */
import type { ReceiptLine } from '../domain/receipt.js';
import type { Queryable } from './db.js';

export interface MemberRecord {
  id: string;
  sub: string;
  name?: string;
  phoneNumber?: string;
  createdAt: Date;
}

export type AgreementState = 'pending' | 'active' | 'stopped' | 'expired';

export interface AgreementRecord {
  id: string;
  memberId: string;
  status: AgreementState;
  suggestedMaxOre: number;
  maxOre?: number;
  confirmationUrl?: string;
  createdAt: Date;
  updatedAt: Date;
  /** How many changes have been stored since the agreement was written (0 until the first). */
  version: number;
}

/**
 * planned: written with its sessions, not yet at Vipps · created: Vipps has it · charged · failed
 * (the member owes it) · cancelled · settled (a failed one paid another way).
 */
export type MemberChargeState = 'planned' | 'created' | 'charged' | 'failed' | 'cancelled' | 'settled';

export interface MemberChargeRecord {
  id: string;
  memberId: string;
  agreementId: string;
  chargeDate: string;
  amountOre: number;
  description: string;
  due: string;
  status: MemberChargeState;
  vippsChargeId?: string;
  failureReason?: string;
  lines: ReceiptLine[];
  receiptSent: boolean;
  debtReference?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A finished or running member session, as the limit and the daily charge see it. */
export interface MemberSessionRow {
  id: string;
  state: string;
  startedAt?: Date;
  stoppedAt?: Date;
  energyWh: number;
  costOre?: number;
  authorizedOre?: number;
  vatRateBp: number;
  place: string;
  memberChargeId?: string;
}

type Row = Record<string, any>;
const date = (v: unknown): Date | undefined => (v == null ? undefined : new Date(v as string));

const member = (r: Row): MemberRecord => ({ id: r.id, sub: r.sub, name: r.name ?? undefined, phoneNumber: r.phone_number ?? undefined, createdAt: new Date(r.created_at) });

const agreement = (r: Row): AgreementRecord => ({
  id: r.id,
  memberId: r.member_id,
  status: r.status,
  suggestedMaxOre: r.suggested_max_ore,
  maxOre: r.max_ore ?? undefined,
  confirmationUrl: r.confirmation_url ?? undefined,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  version: r.version
});

const charge = (r: Row): MemberChargeRecord => ({
  id: r.id,
  memberId: r.member_id,
  agreementId: r.agreement_id,
  chargeDate: r.charge_date,
  amountOre: r.amount_ore,
  description: r.description,
  due: r.due,
  status: r.status,
  vippsChargeId: r.vipps_charge_id ?? undefined,
  failureReason: r.failure_reason ?? undefined,
  lines: typeof r.receipt === 'string' ? JSON.parse(r.receipt) : r.receipt,
  receiptSent: r.receipt_sent,
  debtReference: r.debt_reference ?? undefined,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at)
});

const session = (r: Row): MemberSessionRow => {
  const tariff = typeof r.tariff === 'string' ? JSON.parse(r.tariff) : r.tariff;
  return {
    id: r.id,
    state: r.state,
    startedAt: date(r.started_at),
    stoppedAt: date(r.stopped_at),
    energyWh: Number(r.energy_wh),
    costOre: r.cost_ore ?? undefined,
    authorizedOre: r.authorized_ore ?? undefined,
    vatRateBp: tariff?.vatRateBp ?? 2500,
    place: r.station_name ?? r.connector_id,
    memberChargeId: r.member_charge_id ?? undefined
  };
};

const SESSION_COLUMNS = `s.id, s.state, s.started_at, s.stopped_at, s.energy_wh, s.cost_ore, s.authorized_ore, s.tariff, s.connector_id, s.member_charge_id, st.name as station_name`;
const SESSION_FROM = `charging_sessions s left join connectors c on c.id = s.connector_id left join chargers ch on ch.id = c.charger_id left join stations st on st.id = ch.station_id`;

export class MemberRepository {
  async findBySub(db: Queryable, sub: string): Promise<MemberRecord | null> {
    const { rows } = await db.query('select * from members where sub = $1', [sub]);
    return rows[0] ? member(rows[0]) : null;
  }

  async find(db: Queryable, id: string): Promise<MemberRecord | null> {
    const { rows } = await db.query('select * from members where id = $1', [id]);
    return rows[0] ? member(rows[0]) : null;
  }

  /** Creates the member, or returns the one with this `sub` (two sign-ins at once make one member). */
  async upsert(db: Queryable, m: MemberRecord): Promise<MemberRecord> {
    const { rows } = await db.query(
      `insert into members (id, sub, name, phone_number, created_at) values ($1,$2,$3,$4,$5)
       on conflict (sub) do update set name = coalesce(excluded.name, members.name), phone_number = coalesce(excluded.phone_number, members.phone_number)
       returning *`,
      [m.id, m.sub, m.name ?? null, m.phoneNumber ?? null, m.createdAt]
    );
    return member(rows[0]);
  }

  async insertAgreement(db: Queryable, a: Omit<AgreementRecord, 'updatedAt' | 'version'>): Promise<AgreementRecord> {
    const { rows } = await db.query(
      `insert into member_agreements (id, member_id, status, suggested_max_ore, max_ore, confirmation_url, created_at, updated_at)
       values ($1,$2,$3,$4,$5,$6,$7,$7) returning *`,
      [a.id, a.memberId, a.status, a.suggestedMaxOre, a.maxOre ?? null, a.confirmationUrl ?? null, a.createdAt]
    );
    return agreement(rows[0]);
  }

  /** The member's agreement in force: the newest one. */
  async currentAgreement(db: Queryable, memberId: string, opts: { lock?: boolean } = {}): Promise<AgreementRecord | null> {
    const { rows } = await db.query(`select * from member_agreements where member_id = $1 order by created_at desc, id desc limit 1${opts.lock ? ' for update' : ''}`, [memberId]);
    return rows[0] ? agreement(rows[0]) : null;
  }

  async agreement(db: Queryable, id: string, opts: { lock?: boolean } = {}): Promise<AgreementRecord | null> {
    const { rows } = await db.query(`select * from member_agreements where id = $1${opts.lock ? ' for update' : ''}`, [id]);
    return rows[0] ? agreement(rows[0]) : null;
  }

  async agreementsIn(db: Queryable, states: AgreementState[]): Promise<AgreementRecord[]> {
    const { rows } = await db.query('select * from member_agreements where status = any($1) order by created_at', [states]);
    return rows.map(agreement);
  }

  async updateAgreement(db: Queryable, id: string, change: { status: AgreementState; suggestedMaxOre: number; maxOre?: number }, at: Date): Promise<void> {
    await db.query('update member_agreements set status = $2, suggested_max_ore = $3, max_ore = $4, updated_at = $5, version = version + 1 where id = $1', [
      id,
      change.status,
      change.suggestedMaxOre,
      change.maxOre ?? null,
      at
    ]);
  }

  /** Member sessions still running, and those that stopped at or after `since`. */
  async sessions(db: Queryable, memberId: string, since: Date): Promise<MemberSessionRow[]> {
    const { rows } = await db.query(
      `select ${SESSION_COLUMNS} from ${SESSION_FROM}
        where s.member_id = $1 and (s.state in ('awaiting_payment','starting','charging','stopping') or s.stopped_at >= $2)
        order by s.created_at`,
      [memberId, since]
    );
    return rows.map(session);
  }

  /** Completed member sessions no charge has taken yet. */
  async unbilledSessions(db: Queryable, memberId: string): Promise<MemberSessionRow[]> {
    const { rows } = await db.query(
      `select ${SESSION_COLUMNS} from ${SESSION_FROM}
        where s.member_id = $1 and s.state = 'completed' and s.member_charge_id is null and s.stopped_at is not null
        order by s.stopped_at`,
      [memberId]
    );
    return rows.map(session);
  }

  /** Members with completed sessions no charge has taken yet. */
  async membersWithUnbilled(db: Queryable): Promise<string[]> {
    const { rows } = await db.query(`select distinct member_id from charging_sessions where member_id is not null and state = 'completed' and member_charge_id is null`);
    return rows.map((r: Row) => r.member_id as string);
  }

  async sessionsOfCharge(db: Queryable, chargeId: string): Promise<MemberSessionRow[]> {
    const { rows } = await db.query(`select ${SESSION_COLUMNS} from ${SESSION_FROM} where s.member_charge_id = $1 order by s.stopped_at`, [chargeId]);
    return rows.map(session);
  }

  /** Writes a planned charge and ties its sessions to it, in the caller's transaction. */
  async planCharge(db: Queryable, c: Omit<MemberChargeRecord, 'updatedAt' | 'receiptSent' | 'status' | 'vippsChargeId' | 'failureReason' | 'debtReference'>, sessionIds: string[]): Promise<MemberChargeRecord | null> {
    const { rows } = await db.query(
      `insert into member_charges (id, member_id, agreement_id, charge_date, amount_ore, description, due, status, receipt, created_at, updated_at)
       values ($1,$2,$3,$4,$5,$6,$7,'planned',$8,$9,$9) on conflict (member_id, charge_date) do nothing returning *`,
      [c.id, c.memberId, c.agreementId, c.chargeDate, c.amountOre, c.description, c.due, JSON.stringify(c.lines), c.createdAt]
    );
    if (!rows[0]) return null;
    const tied = await db.query(`update charging_sessions set member_charge_id = $1 where id = any($2::text[]) and member_charge_id is null returning id`, [c.id, sessionIds]);
    if (tied.rows.length !== sessionIds.length) throw new Error(`charge ${c.id}: ${sessionIds.length - tied.rows.length} of its sessions were billed already`);
    return charge(rows[0]);
  }

  async charge(db: Queryable, id: string, opts: { lock?: boolean } = {}): Promise<MemberChargeRecord | null> {
    const { rows } = await db.query(`select * from member_charges where id = $1${opts.lock ? ' for update' : ''}`, [id]);
    return rows[0] ? charge(rows[0]) : null;
  }

  async chargeByVippsId(db: Queryable, vippsChargeId: string): Promise<MemberChargeRecord | null> {
    const { rows } = await db.query('select * from member_charges where vipps_charge_id = $1', [vippsChargeId]);
    return rows[0] ? charge(rows[0]) : null;
  }

  async chargesIn(db: Queryable, states: MemberChargeState[]): Promise<MemberChargeRecord[]> {
    const { rows } = await db.query('select * from member_charges where status = any($1) order by created_at', [states]);
    return rows.map(charge);
  }

  async chargesOf(db: Queryable, memberId: string, limit = 60): Promise<MemberChargeRecord[]> {
    const { rows } = await db.query('select * from member_charges where member_id = $1 order by charge_date desc limit $2', [memberId, limit]);
    return rows.map(charge);
  }

  async updateCharge(
    db: Queryable,
    id: string,
    change: Partial<Pick<MemberChargeRecord, 'status' | 'vippsChargeId' | 'failureReason' | 'receiptSent' | 'debtReference'>>,
    at: Date
  ): Promise<void> {
    const { rows } = await db.query('select * from member_charges where id = $1', [id]);
    if (!rows[0]) throw new Error(`no member charge ${id}`);
    const cur = charge(rows[0]);
    const next = { ...cur, ...change };
    await db.query(
      `update member_charges set status = $2, vipps_charge_id = $3, failure_reason = $4, receipt_sent = $5, debt_reference = $6, updated_at = $7 where id = $1`,
      [id, next.status, next.vippsChargeId ?? null, next.failureReason ?? null, next.receiptSent, next.debtReference ?? null, at]
    );
  }
}
