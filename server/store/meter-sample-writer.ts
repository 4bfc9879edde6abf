/**
 * Write-behind for meter samples. A MeterValues message used to cost three round trips (find the
 * transaction, insert the samples, move its last-sample fields) before the charger got its answer;
 * at a few thousand live sessions that queue alone collapsed the node. Samples are not money: the
 * charger's energy register is the source of truth and arrives again with StopTransaction, so they
 * are buffered and written in one statement per batch (per piece of a batch on the embedded
 * store: `batchPieceSize`). A crash loses at most one batch of samples
 * (`intervalMs`), never a money decision, which is committed by the session before it acts.
 */
import type { Logger } from '../log.js';
import type { LastSample, MeterSampleRow } from './charger-repository.js';
import { batchPieceSize, eachInTurn, piecesOf, type Queryable } from './db.js';

interface Pending {
  rows: Array<MeterSampleRow & { transactionId: number }>;
  last: Map<number, LastSample>;
}

/** One statement's share of a batch, and when it is written. */
interface Piece extends Pending {
  ids: number[];
  done: Promise<void>;
  finished(): void;
}

export class MeterSampleWriter {
  private pending: Pending = { rows: [], last: new Map() };
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  /** For each transaction with samples taken from the buffer and not yet written: their piece. */
  private readonly writing = new Map<number, Piece>();
  private closed = false;
  /** Samples written and dropped so far (metrics). */
  readonly stats = { written: 0, dropped: 0, batches: 0 };

  constructor(
    private readonly db: Queryable,
    private readonly logger: Logger,
    private readonly intervalMs = 250
  ) {}

  /** Buffers a transaction's samples and its newest reading; written within `intervalMs`. */
  add(transactionId: number, rows: MeterSampleRow[], newest?: LastSample): void {
    if (this.closed) return;
    for (const r of rows) this.pending.rows.push({ ...r, transactionId });
    if (newest) {
      const prev = this.pending.last.get(transactionId);
      if (!prev || prev.at < newest.at) {
        // Keep fields the newer reading lacks from the older one, as the row update would.
        this.pending.last.set(transactionId, {
          at: newest.at,
          energyWh: newest.energyWh ?? prev?.energyWh,
          powerW: newest.powerW ?? prev?.powerW,
          socPercent: newest.socPercent ?? prev?.socPercent
        });
      }
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.intervalMs);
  }

  /** Writes what is buffered now; resolves when it (and any earlier batch) is written. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.take(this.pending);
    this.pending = { rows: [], last: new Map() };
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  /**
   * Writes one transaction's buffered samples now, and resolves once they and any of its
   * samples already on their way (in a batch taken earlier) are written. A StopTransaction waits
   * for this, not for every live session's samples: on the embedded store a whole batch at 2,000
   * sessions is ten statements with the event loop turning between them.
   */
  async flushTransaction(transactionId: number): Promise<void> {
    const earlier = this.writing.get(transactionId);
    const own: Pending = { rows: [], last: new Map() };
    const others: Pending['rows'] = [];
    for (const r of this.pending.rows) (r.transactionId === transactionId ? own.rows : others).push(r);
    this.pending.rows = others;
    const last = this.pending.last.get(transactionId);
    if (last) own.last.set(transactionId, last);
    this.pending.last.delete(transactionId);
    await Promise.all([earlier?.done, this.write(this.take(own))]);
  }

  /** Writes the last batch and takes no more. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /**
   * Splits a batch taken from the buffer into its statements (at most batchPieceSize
   * transactions each), and notes for each transaction the piece that will hold its samples.
   */
  private take(batch: Pending): Piece[] {
    const byTransaction = new Map<number, Pending['rows']>();
    for (const r of batch.rows) {
      const list = byTransaction.get(r.transactionId);
      if (list) list.push(r);
      else byTransaction.set(r.transactionId, [r]);
    }
    const ids = [...new Set([...byTransaction.keys(), ...batch.last.keys()])];
    return piecesOf(ids, batchPieceSize(this.db)).map((pieceIds) => {
      let finished!: () => void;
      const done = new Promise<void>((resolve) => (finished = resolve));
      const piece: Piece = {
        ids: pieceIds,
        rows: pieceIds.flatMap((id) => byTransaction.get(id) ?? []),
        last: new Map(pieceIds.flatMap((id) => (batch.last.has(id) ? [[id, batch.last.get(id)!] as const] : []))),
        done,
        finished
      };
      for (const id of pieceIds) this.writing.set(id, piece);
      return piece;
    });
  }

  /** Writes the pieces in turn, letting the event loop run between two. */
  private async write(pieces: Piece[]): Promise<void> {
    if (pieces.length === 0) return;
    await eachInTurn(pieces, async (piece) => {
      try {
        await this.writeBatch(piece);
        this.stats.written += piece.rows.length;
      } catch (err) {
        // Logged with its size; the register in StopTransaction still bills correctly.
        this.stats.dropped += piece.rows.length;
        this.logger.error({ err, samples: piece.rows.length, transactions: piece.last.size }, 'could not write a batch of meter samples');
      } finally {
        for (const id of piece.ids) if (this.writing.get(id) === piece) this.writing.delete(id);
        piece.finished();
      }
    });
    this.stats.batches++;
  }

  /**
   * One statement, one round trip: the samples, and each transaction's last-sample fields moved
   * forward only where the reading is newer. A sample already stored (same time, measurand,
   * phase: a repeated message) is kept as it was. The rows travel as arrays, so a batch's size is
   * not bound by PostgreSQL's 65,535 parameters.
   */
  private async writeBatch({ rows, last }: Pending): Promise<void> {
    const ids: number[] = [];
    const ats: string[] = [];
    const energy: Array<number | null> = [];
    const power: Array<number | null> = [];
    const soc: Array<number | null> = [];
    for (const [id, s] of last) {
      ids.push(id);
      ats.push(s.at.toISOString());
      energy.push(s.energyWh === undefined ? null : Math.round(s.energyWh));
      power.push(s.powerW === undefined ? null : Math.round(s.powerW));
      soc.push(s.socPercent === undefined ? null : Math.round(s.socPercent));
    }
    await this.db.query(
      `with samples as (
         insert into meter_samples (transaction_id, sampled_at, measurand, phase, context, value, unit)
         select * from unnest($1::int[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::double precision[], $7::text[])
         on conflict do nothing
       )
       update charge_transactions t set
          last_sample_at = u.at,
          last_energy_wh = coalesce(u.energy, t.last_energy_wh),
          last_power_w = coalesce(u.power, t.last_power_w),
          last_soc = coalesce(u.soc, t.last_soc)
         from (select * from unnest($8::int[], $9::timestamptz[], $10::bigint[], $11::int[], $12::int[]) as x(id, at, energy, power, soc)) u
        where t.id = u.id and (t.last_sample_at is null or t.last_sample_at < u.at)`,
      [
        rows.map((r) => r.transactionId),
        rows.map((r) => r.sampledAt.toISOString()),
        rows.map((r) => r.measurand),
        rows.map((r) => r.phase),
        rows.map((r) => r.context ?? null),
        rows.map((r) => r.value),
        rows.map((r) => r.unit),
        ids,
        ats,
        energy,
        power,
        soc
      ]
    );
  }
}
