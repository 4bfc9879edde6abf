/**
 * Idempotency records (API-NOTES §5, from KB http-headers, RECD and TK best-practices):
 * store (MSN, method, path, key) → (body hash, response). The same key with the same body
 * replays the first answer (status and body, a 4xx included); the same key with a different
 * body is a 409 Conflict. 5xx answers are not stored, so they can be retried.
 */
import { createHash } from 'node:crypto';
import type { StateStore } from './state.js';

/** A stable hash of a request body: parsed JSON is canonicalised (key order, whitespace). */
export function bodyHash(raw: string): string {
  let canonical = raw.trim();
  try {
    canonical = JSON.stringify(sortKeys(JSON.parse(raw)));
  } catch {
    /* not JSON: hash the raw text */
  }
  return createHash('sha256').update(canonical).digest('base64');
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

export type Lookup = { kind: 'new' } | { kind: 'replay'; status: number; body: unknown; contentType: string } | { kind: 'conflict' };

export class IdempotencyRecords {
  constructor(private readonly store: StateStore) {}

  private key(msn: string, method: string, path: string, idemKey: string): string {
    return `${msn}|${method} ${path}|${idemKey}`;
  }

  lookup(msn: string, method: string, path: string, idemKey: string, hash: string): Lookup {
    const rec = this.store.data.idempotency[this.key(msn, method, path, idemKey)];
    if (!rec) return { kind: 'new' };
    if (rec.hash !== hash) return { kind: 'conflict' };
    return { kind: 'replay', status: rec.status, body: rec.body, contentType: rec.contentType };
  }

  save(msn: string, method: string, path: string, idemKey: string, hash: string, status: number, body: unknown, contentType: string): void {
    if (status >= 500) return;
    this.store.data.idempotency[this.key(msn, method, path, idemKey)] = { hash, status, body, contentType };
    this.store.changed();
  }
}
