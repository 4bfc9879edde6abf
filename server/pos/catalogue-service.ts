/** The hub's catalogue, managed by the operator: name, price and VAT rate per item. */
import { randomBytes } from 'node:crypto';
import type { CatalogueItemView } from '../../src/lib/shared/pos.js';
import { catalogueItemBody } from '../../src/lib/shared/pos.js';
import type { Clock } from '../sessions/ports.js';
import type { Db } from '../store/db.js';
import type { CatalogueRepository } from '../store/catalogue-repository.js';

export type CatalogueResult = { ok: true; item: CatalogueItemView } | { ok: false; status: 400 | 404; message: string };

export interface CatalogueDeps {
  db: Db;
  catalogue: CatalogueRepository;
  clock: Clock;
  newId?: (name: string) => string;
}

/** "Type 2 cable" → "type-2-cable-3f9a": readable in logs, unique enough with the suffix. */
const defaultId = (name: string) =>
  `${name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 30) || 'item'}-${randomBytes(2).toString('hex')}`;

export class CatalogueService {
  constructor(private readonly deps: CatalogueDeps) {}

  list(opts: { activeOnly: boolean }): Promise<CatalogueItemView[]> {
    return this.deps.catalogue.list(this.deps.db, opts);
  }

  async create(body: unknown): Promise<CatalogueResult> {
    const parsed = catalogueItemBody.safeParse(body);
    if (!parsed.success) return { ok: false, status: 400, message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
    const item = { id: (this.deps.newId ?? defaultId)(parsed.data.name), ...parsed.data };
    await this.deps.catalogue.insert(this.deps.db, item, this.deps.clock.now());
    return { ok: true, item };
  }

  async update(id: string, body: unknown): Promise<CatalogueResult> {
    const parsed = catalogueItemBody.safeParse(body);
    if (!parsed.success) return { ok: false, status: 400, message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
    const item = { id, ...parsed.data };
    if (!(await this.deps.catalogue.update(this.deps.db, item, this.deps.clock.now()))) return { ok: false, status: 404, message: 'No such item.' };
    return { ok: true, item };
  }
}
