import { afterEach, describe, expect, it } from 'vitest';
import { backends, freshDb } from '../../tests/helpers/db.js';
import { insertSession, seedOneCharger } from '../../tests/helpers/session-rows.js';
import { silentLogger } from '../log.js';
import type { Db } from '../store/db.js';
import { SessionRepository } from '../store/session-repository.js';
import { ReservationWatch } from './reservation-watch.js';

const t0 = new Date('2031-05-06T07:00:00Z');
const hours = (h: number) => new Date(t0.getTime() + h * 36e5);

describe.each(backends())('ReservationWatch on %s', (backend) => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('alerts once per session still holding a reservation a day on, and forgets it once settled', async () => {
    db = await freshDb(backend);
    await seedOneCharger(db, 4);
    const authorized = { authorizedOre: 35000 };
    await insertSession(db, 'stuckcharging', t0, { ...authorized, state: 'charging', transactionId: 1, startedAt: t0 }, 1);
    await insertSession(db, 'stuckfinalize', t0, { ...authorized, state: 'finalizing', transactionId: 2, startedAt: t0 }, 2);
    await insertSession(db, 'settledalread', t0, { ...authorized, state: 'completed', transactionId: 3, startedAt: t0 }, 3);
    await insertSession(db, 'unpaidawaitin', t0, {}, 4);

    let now = hours(23);
    const alerts: string[] = [];
    const watch = new ReservationWatch({
      db,
      sessions: new SessionRepository(),
      clock: { now: () => now },
      logger: silentLogger,
      alertAfterMs: 24 * 36e5,
      onAlert: (id) => alerts.push(id)
    });

    expect(await watch.check()).toEqual([]); // 23 h: not yet
    now = hours(25);
    expect((await watch.check()).sort()).toEqual(['stuckcharging', 'stuckfinalize']);
    expect(await watch.check()).toEqual([]); // once each, not every run
    expect(alerts.sort()).toEqual(['stuckcharging', 'stuckfinalize']);

    // One is settled; it is forgotten, and the other is not alerted on again.
    const repo = new SessionRepository();
    const settled = (await repo.find(db, 'stuckfinalize'))!;
    await repo.update(db, { ...settled, state: 'completed' }, now);
    expect(await watch.check()).toEqual([]);
    expect(alerts).toHaveLength(2);
  });
});
