/**
 * Runs the daily charge once a day at a local time (Europe/Oslo by default), and on every tick
 * moves charges on (create at Vipps, receipt, outcome) and follows agreements still waiting for
 * the member. The day's run is remembered only after it finished: a crash mid-run means the next
 * tick runs it again, which plans nothing twice (daily-charges.ts).
 */
import { addDays, localDate, localTime } from '../domain/daily-charge.js';
import type { Logger } from '../log.js';
import type { Clock } from '../sessions/ports.js';
import type { Db } from '../store/db.js';
import type { SettingsRepository } from '../store/settings-repository.js';
import type { DailyCharges } from './daily-charges.js';

const LAST_RUN = 'members.daily.lastRun';

export class DailyScheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly deps: {
      db: Db;
      daily: Pick<DailyCharges, 'run' | 'advance'>;
      /** Follows agreements that wait for the member (the poll beside the webhooks). */
      followAgreements: () => Promise<void>;
      settings: SettingsRepository;
      clock: Clock;
      logger: Logger;
      /** HH:MM, local */
      runAt: string;
      timeZone: string;
      tickMs: number;
    }
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** One tick; overlapping ticks wait for each other. */
  tick(): Promise<void> {
    const run = (this.running ?? Promise.resolve()).then(() => this.tickNow());
    this.running = run.catch(() => undefined);
    return run;
  }

  private async tickNow(): Promise<void> {
    try {
      const now = this.deps.clock.now();
      const today = localDate(now, this.deps.timeZone);
      // Kept as an object: a bare JSON string does not survive the settings' jsonb round trip.
      const last = (await this.deps.settings.get<{ date: string }>(this.deps.db, LAST_RUN))?.date;
      if (localTime(now, this.deps.timeZone) >= this.deps.runAt && (last === undefined || last < today)) {
        await this.deps.daily.run(addDays(today, -1));
        await this.deps.settings.set(this.deps.db, LAST_RUN, { date: today });
      } else {
        await this.deps.daily.advance();
      }
      await this.deps.followAgreements();
    } catch (err) {
      this.deps.logger.error({ err }, 'daily charge tick failed; the next tick tries again');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
