/**
 * The embedded store's own thread: a worker that owns the PGlite instance and runs what
 * `PgliteThreadDb` (db.ts) sends it. PGlite executes a statement synchronously in WebAssembly, so
 * on the main thread every statement held up meter samples, phones and OCPP answers for as long
 * as it ran (docs/decisions/026). Here it holds up only this thread.
 *
 * Messages in: `Request`; out: `Reply` (one per request, same id) after a first `Ready`.
 * A transaction is held open between `begin` and `end`; its statements name it. PGlite itself
 * queues other statements while one is open, as it does on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';

export type Request =
  | { id: number; op: 'query'; sql: string; params: unknown[]; tx?: number }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** A database error's fields (SQLSTATE `code`, `constraint`, …) as plain data: errors do not cross threads whole. */
export type ErrorData = { message: string } & Record<string, string | number | undefined>;

export type Reply = { id: number; ok: true; rows?: unknown[]; tx?: number } | { id: number; ok: false; error: ErrorData };

export type Ready = { ready: true } | { ready: false; error: ErrorData };

export interface ThreadData {
  dataDir: string;
  startParams: string[];
}

function errorData(err: unknown): ErrorData {
  const data: ErrorData = { message: err instanceof Error ? err.message : String(err) };
  if (err && typeof err === 'object') {
    for (const [k, v] of Object.entries(err)) if (typeof v === 'string' || typeof v === 'number') data[k] = v;
  }
  return data;
}

/** Thrown inside a held transaction to make PGlite roll it back. */
const ROLL_BACK = Symbol('roll back');

async function serve(): Promise<void> {
  if (!parentPort) throw new Error('pglite-thread runs as a worker thread');
  const port = parentPort;
  const { dataDir, startParams } = workerData as ThreadData;
  let lite: PGlite;
  try {
    lite = await PGlite.create(dataDir, { startParams });
  } catch (err) {
    port.postMessage({ ready: false, error: errorData(err) } satisfies Ready);
    return;
  }
  const open = new Map<number, { tx: Transaction; end: (commit: boolean) => void; finished: Promise<void> }>();
  let nextTx = 1;

  const reply = (r: Reply) => port.postMessage(r);

  async function begin(id: number): Promise<void> {
    const txId = nextTx++;
    let began!: () => void;
    const started = new Promise<void>((resolve) => (began = resolve));
    const finished = lite
      .transaction(async (tx) => {
        const commit = await new Promise<boolean>((end) => {
          open.set(txId, { tx, end, finished });
          began();
        });
        if (!commit) throw ROLL_BACK;
      })
      .catch((err: unknown) => {
        if (err !== ROLL_BACK) throw err;
      });
    // BEGIN itself failed (the instance closed): answer with that error rather than waiting forever.
    await Promise.race([started, finished]);
    if (!open.has(txId)) {
      await finished;
      throw new Error('the transaction did not start');
    }
    reply({ id, ok: true, tx: txId });
  }

  async function handle(m: Request): Promise<void> {
    switch (m.op) {
      case 'query': {
        if (m.tx === undefined) {
          reply({ id: m.id, ok: true, rows: (await lite.query(m.sql, m.params)).rows });
          return;
        }
        const held = open.get(m.tx);
        if (!held) throw new Error(`transaction ${m.tx} is not open`);
        reply({ id: m.id, ok: true, rows: (await held.tx.query(m.sql, m.params)).rows });
        return;
      }
      case 'exec':
        await lite.exec(m.sql);
        reply({ id: m.id, ok: true });
        return;
      case 'begin':
        await begin(m.id);
        return;
      case 'end': {
        const held = open.get(m.tx);
        if (!held) throw new Error(`transaction ${m.tx} is not open`);
        open.delete(m.tx);
        held.end(m.commit);
        await held.finished;
        reply({ id: m.id, ok: true });
        return;
      }
      case 'close':
        if (!lite.closed) await lite.close();
        reply({ id: m.id, ok: true });
        port.close();
        return;
    }
  }

  port.on('message', (m: Request) => {
    handle(m).catch((err: unknown) => reply({ id: m.id, ok: false, error: errorData(err) }));
  });
  port.postMessage({ ready: true } satisfies Ready);
}

void serve();
