/** The hub's catalogue: what the counter sells, at what price and VAT rate. */
import type { Queryable } from './db.js';

export interface CatalogueItem {
  id: string;
  name: string;
  priceOre: number;
  vatRateBp: number;
  active: boolean;
}

type Row = { id: string; name: string; price_ore: number; vat_rate_bp: number; active: boolean };
const item = (r: Row): CatalogueItem => ({ id: r.id, name: r.name, priceOre: r.price_ore, vatRateBp: r.vat_rate_bp, active: r.active });

export class CatalogueRepository {
  async list(db: Queryable, opts: { activeOnly: boolean }): Promise<CatalogueItem[]> {
    const { rows } = await db.query<Row>(`select * from pos_catalogue_items ${opts.activeOnly ? 'where active' : ''} order by name, id`);
    return rows.map(item);
  }

  async find(db: Queryable, id: string): Promise<CatalogueItem | undefined> {
    const { rows } = await db.query<Row>('select * from pos_catalogue_items where id = $1', [id]);
    return rows[0] ? item(rows[0]) : undefined;
  }

  async insert(db: Queryable, i: CatalogueItem, at: Date): Promise<void> {
    await db.query('insert into pos_catalogue_items (id, name, price_ore, vat_rate_bp, active, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)', [
      i.id,
      i.name,
      i.priceOre,
      i.vatRateBp,
      i.active,
      at
    ]);
  }

  /** Returns false when there is no such item. Sales already made keep their own copy of the line. */
  async update(db: Queryable, i: CatalogueItem, at: Date): Promise<boolean> {
    const { rows } = await db.query('update pos_catalogue_items set name = $2, price_ore = $3, vat_rate_bp = $4, active = $5, updated_at = $6 where id = $1 returning id', [
      i.id,
      i.name,
      i.priceOre,
      i.vatRateBp,
      i.active,
      at
    ]);
    return rows.length === 1;
  }
}
