/**
 * The transactions this node's chargers are running, in memory, so a MeterValues message does
 * not look its transaction up in the database every time. A miss (a charger that moved here from
 * another node, or after a restart) reads the row once. Bounded: the oldest entries go first.
 */
import type { ChargeTransactionRecord } from '../store/charger-repository.js';

export interface CachedTransaction {
  id: number;
  chargerId: string;
  idTag: string;
  stoppedAt: Date | null;
  /** The newest sample passed on; older ones (queued, out of order) are stored but not news. */
  lastSampleAt: Date | null;
}

export class TransactionCache {
  private readonly map = new Map<number, CachedTransaction>();

  constructor(
    private readonly load: (id: number) => Promise<ChargeTransactionRecord | null>,
    private readonly max = 50_000
  ) {}

  async get(id: number): Promise<CachedTransaction | null> {
    const hit = this.map.get(id);
    if (hit) return hit;
    const row = await this.load(id);
    if (!row) return null;
    return this.put(row);
  }

  put(row: Pick<ChargeTransactionRecord, 'id' | 'chargerId' | 'idTag' | 'stoppedAt' | 'lastSampleAt'>): CachedTransaction {
    const entry: CachedTransaction = { id: row.id, chargerId: row.chargerId, idTag: row.idTag, stoppedAt: row.stoppedAt, lastSampleAt: row.lastSampleAt };
    this.map.delete(row.id);
    this.map.set(row.id, entry);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as number);
    return entry;
  }

  /** Marks a transaction stopped; it is dropped, since nothing about it is hot any more. */
  stopped(id: number): void {
    this.map.delete(id);
  }

  forget(id: number): void {
    this.map.delete(id);
  }

  get size(): number {
    return this.map.size;
  }
}
