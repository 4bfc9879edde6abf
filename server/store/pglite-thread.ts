/**
 * The embedded store's own thread: PGlite runs PostgreSQL compiled to WebAssembly, and every
 * statement executes synchronously on the thread that owns it. On the main thread, each query
 * (and the parsing of its result) held up the meter path, the phones' sockets and the chargers'
 * heartbeats. Here it owns a worker thread, and the main thread only passes messages
 * (server/store/db.ts, PgliteThreadDb).
 *
 * Messages in: `query` (optionally inside an open transaction), `exec`, `begin`, `end` (commit or
 * roll back), `close`. Each is answered by `{ id, ok: true, value }` or `{ id, ok: false, error }`.
 * PGlite runs one statement at a time and holds other work back while a transaction is open, so
 * the order and isolation are those of the in-thread store.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';

export type ThreadRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[]; tx?: number }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** The fields of a PostgreSQL error that callers look at (code 23505 and the like), cloneable. */
export interface ThreadError {
  message: string;
  name?: string;
  code?: string;
  detail?: string;
  constraint?: string;
  table?: string;
  column?: string;
  severity?: string;
}

export type ThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ThreadError };

export interface ThreadData {
  /** `memory://…` or a folder. */
  path: string;
  startParams: string[];
}

interface OpenTransaction {
  tx?: Transaction;
  end?(commit: boolean): void;
  done?: Promise<void>;
}

/** Thrown inside PGlite's transaction callback to make it roll back. */
const ROLL_BACK = Symbol('roll back');

function errorOf(err: unknown): ThreadError {
  const e = (err ?? {}) as Record<string, unknown>;
  const out: ThreadError = { message: typeof e.message === 'string' ? e.message : String(err) };
  for (const k of ['name', 'code', 'detail', 'constraint', 'table', 'column', 'severity'] as const) {
    if (typeof e[k] === 'string') out[k] = e[k] as string;
  }
  return out;
}

async function serve(port: NonNullable<typeof parentPort>, data: ThreadData): Promise<void> {
  let lite: PGlite;
  try {
    lite = await PGlite.create(data.path, { startParams: data.startParams });
  } catch (err) {
    port.postMessage({ ready: false, error: errorOf(err) });
    return;
  }
  const open = new Map<number, OpenTransaction>();
  let nextTx = 1;
  const reply = (m: ThreadReply) => port.postMessage(m);

  async function handle(m: ThreadRequest): Promise<unknown> {
    switch (m.op) {
      case 'query': {
        const q = m.tx === undefined ? lite : open.get(m.tx)?.tx;
        if (!q) throw new Error('that transaction is already over');
        return (await q.query(m.sql, m.params)).rows;
      }
      case 'exec':
        await lite.exec(m.sql);
        return null;
      case 'begin': {
        const txId = nextTx++;
        const slot: OpenTransaction = {};
        let started!: () => void;
        const begun = new Promise<void>((r) => (started = r));
        slot.done = lite
          .transaction(
            (tx) =>
              new Promise<void>((resolve, reject) => {
                slot.tx = tx;
                slot.end = (commit) => (commit ? resolve() : reject(ROLL_BACK));
                started();
              })
          )
          .catch((err) => {
            if (err !== ROLL_BACK) throw err;
          })
          .finally(() => open.delete(txId));
        open.set(txId, slot);
        // BEGIN itself may fail (the store closed): then `done` rejects before `begun` resolves.
        await Promise.race([begun, slot.done]);
        return txId;
      }
      case 'end': {
        const t = open.get(m.tx);
        if (!t?.end) throw new Error('that transaction is already over');
        t.end(m.commit);
        await t.done;
        return null;
      }
      case 'close':
        if (!lite.closed) await lite.close();
        return null;
    }
  }

  port.on('message', (m: ThreadRequest) => {
    handle(m).then(
      (value) => reply({ id: m.id, ok: true, value }),
      (err) => reply({ id: m.id, ok: false, error: errorOf(err) })
    );
  });
  port.postMessage({ ready: true });
}

if (parentPort) void serve(parentPort, workerData as ThreadData);
