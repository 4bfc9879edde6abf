import { afterAll, describe, expect, it } from 'vitest';
import { backends, freshDb } from '../../tests/helpers/db.js';
import type { Db } from './db.js';
import { migrate, migrations } from './migrations.js';

describe.each(backends())('store on %s', (backend) => {
  let db: Db;
  afterAll(async () => db?.close());

  it('applies every migration once, and none again on a second start', async () => {
    db = await freshDb(backend, { migrate: false });
    expect(await migrate(db)).toEqual(migrations.map((m) => m.id));
    expect(await migrate(db)).toEqual([]);
    const { rows } = await db.query<{ n: number }>(
      "select count(*)::int as n from information_schema.tables where table_name in ('charging_sessions','outbox','chargers')"
    );
    expect(rows[0].n).toBe(3);
  });

  it('rolls back a failed transaction whole', async () => {
    await db.query("insert into tariffs (id, price_per_kwh_ore) values ('t', 100)");
    await expect(
      db.transaction(async (tx) => {
        await tx.query("update tariffs set price_per_kwh_ore = 200 where id = 't'");
        await tx.query("insert into tariffs (id, price_per_kwh_ore) values ('t', 1)");
      })
    ).rejects.toThrow();
    const { rows } = await db.query<{ p: number }>("select price_per_kwh_ore as p from tariffs where id = 't'");
    expect(rows[0].p).toBe(100);
  });
});

describe('the embedded store', () => {
  it('starts with small buffers, not a server-sized PostgreSQL', async () => {
    const db = await freshDb('pglite', { migrate: false });
    try {
      const { rows } = await db.query<{ b: string; m: string }>("select current_setting('shared_buffers') as b, current_setting('maintenance_work_mem') as m");
      expect(rows[0]).toEqual({ b: '16MB', m: '16MB' });
    } finally {
      await db.close();
    }
  });
});
