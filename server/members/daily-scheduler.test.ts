import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb } from '../../tests/helpers/db.js';
import { silentLogger } from '../log.js';
import type { Db } from '../store/db.js';
import { SettingsRepository } from '../store/settings-repository.js';
import { DailyScheduler } from './daily-scheduler.js';

describe('the daily scheduler', () => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDb();
  });
  afterAll(() => db.close());

  function aScheduler(now: { t: Date }, fail = { run: false }) {
    const runs: string[] = [];
    let advances = 0;
    const s = new DailyScheduler({
      db,
      daily: {
        run: async (date?: string) => {
          if (fail.run) throw new Error('Vipps is down');
          runs.push(date!);
          return { date: date!, planned: [], skipped: [] };
        },
        advance: async () => {
          advances++;
        }
      },
      followAgreements: async () => undefined,
      settings: new SettingsRepository(),
      clock: { now: () => now.t },
      logger: silentLogger,
      runAt: '01:00',
      timeZone: 'Europe/Oslo',
      tickMs: 60_000
    });
    return { s, runs, advances: () => advances };
  }

  it('runs the day before once, at the local time, and only moves charges on otherwise', async () => {
    // 23:30 UTC on 30 November is 00:30 in Oslo on 1 December: before the run time.
    const now = { t: new Date('2026-11-30T23:30:00Z') };
    const { s, runs, advances } = aScheduler(now);
    await s.tick();
    expect(runs).toEqual([]);
    expect(advances()).toBe(1);
    now.t = new Date('2026-12-01T00:05:00Z'); // 01:05 Oslo
    await s.tick();
    await s.tick();
    expect(runs).toEqual(['2026-11-30']);
    now.t = new Date('2026-12-02T09:00:00Z');
    await s.tick();
    expect(runs).toEqual(['2026-11-30', '2026-12-01']);
  });

  it('runs again on the next tick when a run failed', async () => {
    await new SettingsRepository().set(db, 'members.daily.lastRun', { date: '2026-12-02' });
    const now = { t: new Date('2026-12-03T06:00:00Z') };
    const fail = { run: true };
    const { s, runs } = aScheduler(now, fail);
    await s.tick();
    expect(runs).toEqual([]);
    fail.run = false;
    await s.tick();
    expect(runs).toEqual(['2026-12-02']);
  });
});
