import { afterEach, describe, expect, it } from 'vitest';
import { backends, freshDb } from '../../tests/helpers/db.js';
import { silentLogger } from '../log.js';
import { seedDemo, demoChargers, demoTariffs } from '../sim/demo.js';
import { ConsoleRepository } from '../store/console-repository.js';
import type { Db } from '../store/db.js';
import { ConsoleReads } from './console-reads.js';

/**
 * The console's reads against a real database. Dates are far from today (the clock is injected),
 * and around Oslo midnight, where a day in UTC and a day in Oslo differ.
 */
describe.each(backends())('ConsoleReads on %s', (backend) => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  let n = 0;
  async function aSession(db: Db, s: { connector: string; state: string; created: string; started?: string; stopped?: string; energyWh?: number; captured?: number; reserved?: number }) {
    const id = `sess${String(++n).padStart(8, '0')}`;
    const [charger, no] = [s.connector.slice(0, s.connector.lastIndexOf('-')), Number(s.connector.slice(s.connector.lastIndexOf('-') + 1))];
    await db.query(
      `insert into charging_sessions (id, token_hash, connector_id, charger_id, connector_no, state, payment_reference, id_tag, reserved_ore, authorized_ore,
         tariff, energy_wh, started_at, stopped_at, cost_ore, captured_ore, cancelled_ore, created_at, updated_at)
       values ($1, 'x', $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $13, $13, $14, $15, $15)`,
      [id, s.connector, charger, no, s.state, `plugpay-${id}`, id, s.reserved ?? 35000, JSON.stringify(demoTariffs[0]), s.energyWh ?? 0, s.started ?? null, s.stopped ?? null,
        s.captured ?? null, s.captured === undefined ? null : (s.reserved ?? 35000) - s.captured, s.created]
    );
    return id;
  }

  async function newReads(nowIso: string) {
    db = await freshDb(backend);
    await seedDemo(db, demoChargers.filter((c) => c.id === 'OSL-GRO-01' || c.id === 'BGO-BRY-01'));
    let woken = 0;
    const sut = new ConsoleReads({
      db,
      repo: new ConsoleRepository(),
      clock: { now: () => new Date(nowIso) },
      logger: silentLogger,
      sessionView: async () => null,
      wakeWorker: () => void woken++
    });
    return { sut, db, woken: () => woken };
  }

  it('adds up an Oslo day: energy and money of the sessions that ended in it, by Oslo hour', async () => {
    const { sut, db } = await newReads('2031-01-15T12:00:00Z');
    // 00:30 in Oslo on the 15th is 23:30 UTC on the 14th: it belongs to the 15th.
    await aSession(db, { connector: 'OSL-GRO-01-1', state: 'completed', created: '2031-01-14T22:00:00Z', started: '2031-01-14T22:01:00Z', stopped: '2031-01-14T23:30:00Z', energyWh: 10_000, captured: 4_000 });
    await aSession(db, { connector: 'BGO-BRY-01-1', state: 'completed', created: '2031-01-15T09:00:00Z', started: '2031-01-15T09:01:00Z', stopped: '2031-01-15T09:40:00Z', energyWh: 5_500, captured: 2_500 });
    // Ended the day before (Oslo), and a failed reservation of the day, and one live.
    await aSession(db, { connector: 'OSL-GRO-01-2', state: 'completed', created: '2031-01-14T20:00:00Z', started: '2031-01-14T20:01:00Z', stopped: '2031-01-14T22:30:00Z', energyWh: 7_000, captured: 9_000 });
    await aSession(db, { connector: 'OSL-GRO-01-2', state: 'failed', created: '2031-01-15T10:00:00Z' });
    await aSession(db, { connector: 'BGO-BRY-01-2', state: 'charging', created: '2031-01-15T11:00:00Z', started: '2031-01-15T11:01:00Z', energyWh: 900 });

    const day = await sut.day();
    expect(day).toMatchObject({ day: '2031-01-15', energyWh: 15_500, capturedOre: 6_500, completedSessions: 2, failedPayments: 1, activeSessions: 1 });
    expect(day.hours[0]).toEqual({ hour: 0, energyWh: 10_000, capturedOre: 4_000, sessions: 1 });
    expect(day.hours[10]).toEqual({ hour: 10, energyWh: 5_500, capturedOre: 2_500, sessions: 1 });
    expect(day.hours.reduce((s, h) => s + h.capturedOre, 0)).toBe(6_500);
    expect((await sut.day('2031-01-14')).capturedOre).toBe(9_000);
  });

  it('lists sessions newest first, by station, state and Oslo dates', async () => {
    const { sut, db } = await newReads('2031-01-15T12:00:00Z');
    const a = await aSession(db, { connector: 'OSL-GRO-01-1', state: 'completed', created: '2031-01-14T23:30:00Z', captured: 100 });
    const b = await aSession(db, { connector: 'BGO-BRY-01-1', state: 'failed', created: '2031-01-15T09:00:00Z' });
    const c = await aSession(db, { connector: 'OSL-GRO-01-2', state: 'completed', created: '2031-01-13T09:00:00Z', captured: 100 });
    expect((await sut.sessions({})).map((s) => s.id)).toEqual([b, a, c]);
    expect((await sut.sessions({ stationId: 'oslo-gronland' })).map((s) => s.id)).toEqual([a, c]);
    expect((await sut.sessions({ state: 'failed' })).map((s) => s.id)).toEqual([b]);
    expect((await sut.sessions({ from: '2031-01-15', to: '2031-01-15' })).map((s) => s.id)).toEqual([b, a]);
    expect((await sut.sessions({ to: '2031-01-14' })).map((s) => s.id)).toEqual([c]);
    expect((await sut.sessions({ from: 'last week' })).length).toBe(3);
    expect((await sut.sessions({}))[1]).toMatchObject({ stationName: 'Grønland P-hus', capturedOre: 100, cancelledOre: 34_900 });
  });

  it('lists failing money jobs and runs one again now, not a job that is done or running', async () => {
    const { sut, db, woken } = await newReads('2031-01-15T12:00:00Z');
    const s = await aSession(db, { connector: 'OSL-GRO-01-1', state: 'finalizing', created: '2031-01-15T09:00:00Z' });
    const insert = async (kind: string, key: string, extra: string) =>
      Number(
        (
          await db.query<{ id: number }>(
            `insert into outbox (kind, session_id, idempotency_key, payload, attempts, next_attempt_at, created_at, last_error${extra ? `, ${extra.split('=')[0]}` : ''})
             values ($1, $2, $3, '{}', 25, '2031-01-15T13:00:00Z', '2031-01-15T09:00:00Z', 'VippsError: 500'${extra ? `, ${extra.split('=')[1]}` : ''}) returning id`,
            [kind, s, key]
          )
        ).rows[0].id
      );
    const dead = await insert('settle', 'k1', "dead_at='2031-01-15T11:00:00Z'");
    const running = await insert('receipt', 'k2', "locked_until='2031-01-15T12:00:30Z'");
    const done = await insert('settle', 'k3', "done_at='2031-01-15T11:30:00Z'");
    await insert('remote-stop', 'k4', '');

    expect((await sut.moneyJobs()).map((j) => j.id)).toEqual([dead, running]);
    expect(await sut.retryJob(running, 'kari')).toBe(false);
    expect(await sut.retryJob(done, 'kari')).toBe(false);
    expect(await sut.retryJob(999_999, 'kari')).toBe(false);
    expect(woken()).toBe(0);
    expect(await sut.retryJob(dead, 'kari')).toBe(true);
    expect(woken()).toBe(1);
    const { rows } = await db.query<{ next_attempt_at: string }>('select next_attempt_at from outbox where id = $1', [dead]);
    expect(new Date(rows[0].next_attempt_at).toISOString()).toBe('2031-01-15T12:00:00.000Z');
  });
});
