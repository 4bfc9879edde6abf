/**
 * Sales at the counter and their refunds. A sale moves state only through {@link SaleRepository.move},
 * a conditional update: of two actors racing (the poller, a webhook, the cashier's Cancel), only
 * the one that finds the sale in the state it expected moves it, and only that one acts on Vipps.
 */
import type { ReceiptLine } from '../domain/receipt.js';
import type { SaleState, VatBucket } from '../domain/sale.js';
import type { Queryable } from './db.js';

export interface SaleRecord {
  id: string;
  tillId: string;
  receiptNumber: number;
  reference: string;
  state: SaleState;
  customerKind: 'personal_qr' | 'phone';
  customerMasked: string | null;
  description: string;
  lines: ReceiptLine[];
  totalOre: number;
  capturedOre: number;
  refundedOre: number;
  problem: string | null;
  businessDay: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface RefundRecord {
  saleId: string;
  tillId: string;
  seq: number;
  amountOre: number;
  byRate: VatBucket[];
  businessDay: string;
  createdAt: Date;
}

type Row = Record<string, unknown>;
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
const day = (v: unknown): string => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

function sale(r: Row): SaleRecord {
  return {
    id: r.id as string,
    tillId: r.till_id as string,
    receiptNumber: r.receipt_number as number,
    reference: r.reference as string,
    state: r.state as SaleState,
    customerKind: r.customer_kind as SaleRecord['customerKind'],
    customerMasked: (r.customer_masked as string | null) ?? null,
    description: r.description as string,
    lines: json<ReceiptLine[]>(r.lines),
    totalOre: r.total_ore as number,
    capturedOre: r.captured_ore as number,
    refundedOre: r.refunded_ore as number,
    problem: (r.problem as string | null) ?? null,
    businessDay: day(r.business_day),
    createdAt: new Date(r.created_at as string),
    updatedAt: new Date(r.updated_at as string)
  };
}

export type NewSale = Omit<SaleRecord, 'receiptNumber' | 'capturedOre' | 'refundedOre' | 'problem' | 'updatedAt'>;

export class SaleRepository {
  /** The till's next receipt number, under a per-till lock so two sends never share one. Call in a transaction. */
  async nextReceiptNumber(tx: Queryable, tillId: string): Promise<number> {
    await tx.query('select pg_advisory_xact_lock(7432900, hashtext($1))', [tillId]);
    const { rows } = await tx.query<{ n: number }>('select coalesce(max(receipt_number), 0)::int + 1 as n from pos_sales where till_id = $1', [tillId]);
    return rows[0]!.n;
  }

  async insert(tx: Queryable, s: NewSale & { receiptNumber: number }): Promise<void> {
    await tx.query(
      `insert into pos_sales (id, till_id, receipt_number, reference, state, customer_kind, customer_masked, description, lines, total_ore, business_day, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
      [s.id, s.tillId, s.receiptNumber, s.reference, s.state, s.customerKind, s.customerMasked, s.description, JSON.stringify(s.lines), s.totalOre, s.businessDay, s.createdAt]
    );
  }

  async find(db: Queryable, id: string): Promise<SaleRecord | undefined> {
    const { rows } = await db.query('select * from pos_sales where id = $1', [id]);
    return rows[0] ? sale(rows[0]) : undefined;
  }

  async findByReference(db: Queryable, reference: string): Promise<SaleRecord | undefined> {
    const { rows } = await db.query('select * from pos_sales where reference = $1', [reference]);
    return rows[0] ? sale(rows[0]) : undefined;
  }

  /** Moves the sale to `patch.state` if it is in one of `from`; the moved sale, or undefined. */
  async move(
    db: Queryable,
    id: string,
    from: readonly SaleState[],
    patch: { state: SaleState; capturedOre?: number; refundedOre?: number; problem?: string | null },
    at: Date
  ): Promise<SaleRecord | undefined> {
    const { rows } = await db.query(
      `update pos_sales set state = $3,
         captured_ore = coalesce($4, captured_ore), refunded_ore = coalesce($5, refunded_ore),
         problem = case when $6::boolean then $7 else problem end, updated_at = $8
       where id = $1 and state = any($2::text[]) returning *`,
      [id, from, patch.state, patch.capturedOre ?? null, patch.refundedOre ?? null, patch.problem !== undefined, patch.problem ?? null, at]
    );
    return rows[0] ? sale(rows[0]) : undefined;
  }

  async inStates(db: Queryable, states: readonly SaleState[]): Promise<SaleRecord[]> {
    const { rows } = await db.query('select * from pos_sales where state = any($1::text[]) order by created_at', [states]);
    return rows.map(sale);
  }

  /** Cancelled sales still marked with `marker` (their cancel has not reached the provider yet). */
  async cancelledMarked(db: Queryable, marker: string): Promise<SaleRecord[]> {
    const { rows } = await db.query("select * from pos_sales where state = 'cancelled' and problem is not null and problem = $1 order by created_at", [marker]);
    return rows.map(sale);
  }

  async forDay(db: Queryable, businessDay: string): Promise<SaleRecord[]> {
    const { rows } = await db.query('select * from pos_sales where business_day = $1 order by till_id, receipt_number', [businessDay]);
    return rows.map(sale);
  }

  async addRefund(tx: Queryable, r: Omit<RefundRecord, 'tillId'>): Promise<void> {
    await tx.query('insert into pos_refunds (sale_id, seq, amount_ore, by_rate, business_day, created_at) values ($1, $2, $3, $4, $5, $6)', [
      r.saleId,
      r.seq,
      r.amountOre,
      JSON.stringify(r.byRate),
      r.businessDay,
      r.createdAt
    ]);
  }

  async refundCount(db: Queryable, saleId: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from pos_refunds where sale_id = $1', [saleId]);
    return rows[0]!.n;
  }

  async refundsForDay(db: Queryable, businessDay: string): Promise<RefundRecord[]> {
    const { rows } = await db.query(
      'select r.*, s.till_id from pos_refunds r join pos_sales s on s.id = r.sale_id where r.business_day = $1 order by r.created_at',
      [businessDay]
    );
    return rows.map((r) => ({
      saleId: r.sale_id as string,
      tillId: r.till_id as string,
      seq: r.seq as number,
      amountOre: r.amount_ore as number,
      byRate: json<VatBucket[]>(r.by_rate),
      businessDay: day(r.business_day),
      createdAt: new Date(r.created_at as string)
    }));
  }

  /** The last code a customer scanned at the till's counter scanner (/pos/scan). */
  async putScan(db: Queryable, tillId: string, content: string, at: Date): Promise<void> {
    await db.query('insert into pos_till_scans (till_id, content, scanned_at) values ($1, $2, $3) on conflict (till_id) do update set content = excluded.content, scanned_at = excluded.scanned_at', [
      tillId,
      content,
      at
    ]);
  }

  /** Takes (and removes) the till's scan if it is newer than `since`. */
  async takeScan(db: Queryable, tillId: string, since: Date): Promise<{ content: string; scannedAt: Date } | undefined> {
    const { rows } = await db.query('delete from pos_till_scans where till_id = $1 and scanned_at >= $2 returning content, scanned_at', [tillId, since]);
    return rows[0] ? { content: rows[0].content as string, scannedAt: new Date(rows[0].scanned_at as string) } : undefined;
  }
}
