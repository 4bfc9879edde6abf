/**
 * The console's reads on sessions and money: the sessions list, one session with its payment
 * timeline, failed money jobs (and running one again now), and a day's figures.
 */
import type { SessionView } from '../../src/lib/shared/api.js';
import type { DayFigures, MoneyJob, SessionDetails, SessionFilter, SessionSummary } from '../../src/lib/shared/operator-api.js';
import type { Logger } from '../log.js';
import type { Clock } from '../sessions/ports.js';
import type { ConsoleRepository, MoneyJobRow, SessionListRow } from '../store/console-repository.js';
import type { Queryable } from '../store/db.js';
import { DAY_PATTERN, osloDayBounds, osloDayOf, osloHour } from './oslo-day.js';
import { paymentTimeline } from './payment-timeline.js';

export interface ConsoleReadsDeps {
  db: Queryable;
  repo: ConsoleRepository;
  clock: Clock;
  logger: Logger;
  /** A session as its driver sees it (meter series, receipt), without a capability. */
  sessionView(sessionId: string): Promise<SessionView | null>;
  /** Tells the outbox worker there is work now. */
  wakeWorker(): void;
}

const iso = (d?: Date) => d?.toISOString();

export function summaryOf(r: SessionListRow): SessionSummary {
  return {
    id: r.id,
    state: r.state,
    connectorId: r.connectorId,
    chargerId: r.chargerId,
    stationId: r.stationId,
    stationName: r.stationName,
    paymentReference: r.paymentReference,
    reservedOre: r.reservedOre,
    authorizedOre: r.authorizedOre,
    costOre: r.costOre,
    capturedOre: r.capturedOre,
    cancelledOre: r.cancelledOre,
    energyWh: r.energyWh,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    stoppedAt: iso(r.stoppedAt),
    stopReason: r.stopReason
  };
}

const job = (j: MoneyJobRow): MoneyJob => ({
  id: j.id,
  kind: j.kind,
  sessionId: j.sessionId,
  attempts: j.attempts,
  createdAt: j.createdAt.toISOString(),
  deadAt: iso(j.deadAt),
  failedAt: iso(j.failedAt),
  nextAttemptAt: iso(j.nextAttemptAt),
  lastError: j.lastError
});

export class ConsoleReads {
  constructor(private readonly deps: ConsoleReadsDeps) {}

  /** Sessions, newest first; a malformed date is ignored rather than guessed at. */
  async sessions(f: SessionFilter, limit = 200): Promise<SessionSummary[]> {
    const from = f.from && DAY_PATTERN.test(f.from) ? safeBounds(f.from)?.from : undefined;
    const to = f.to && DAY_PATTERN.test(f.to) ? safeBounds(f.to)?.to : undefined;
    const rows = await this.deps.repo.sessions(this.deps.db, { stationId: f.stationId, state: f.state, from, to, limit });
    return rows.map(summaryOf);
  }

  async session(sessionId: string): Promise<SessionDetails | null> {
    const row = await this.deps.repo.session(this.deps.db, sessionId);
    if (!row) return null;
    const [view, notifications, jobs] = await Promise.all([
      this.deps.sessionView(sessionId),
      this.deps.repo.notifications(this.deps.db, row.paymentReference),
      this.deps.repo.jobsOf(this.deps.db, sessionId)
    ]);
    if (!view) return null;
    return { summary: summaryOf(row), view, timeline: paymentTimeline(row, notifications, jobs) };
  }

  async moneyJobs(): Promise<MoneyJob[]> {
    return (await this.deps.repo.troubledMoneyJobs(this.deps.db)).map(job);
  }

  async retryJob(jobId: number, by: string): Promise<boolean> {
    if (!Number.isSafeInteger(jobId) || jobId < 1) return false;
    const done = await this.deps.repo.retryNow(this.deps.db, jobId, this.deps.clock.now());
    if (done) {
      this.deps.logger.info({ jobId, by }, 'operator retried a money job');
      this.deps.wakeWorker();
    }
    return done;
  }

  /** The figures of one Oslo day: what ended that day, and what is live now. */
  async day(day?: string): Promise<DayFigures> {
    const d = day && safeBounds(day) ? day : osloDayOf(this.deps.clock.now());
    const { from, to } = osloDayBounds(d);
    const [rows, active] = await Promise.all([this.deps.repo.sessionsOfPeriod(this.deps.db, from, to), this.deps.repo.liveCount(this.deps.db)]);
    const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, energyWh: 0, capturedOre: 0, sessions: 0 }));
    const figures: DayFigures = { day: d, energyWh: 0, capturedOre: 0, activeSessions: active, completedSessions: 0, failedPayments: 0, hours };
    const inDay = (t?: Date) => t !== undefined && t >= from && t < to;
    for (const r of rows) {
      if (r.state === 'completed' && inDay(r.stoppedAt)) {
        figures.completedSessions++;
        figures.energyWh += r.energyWh;
        figures.capturedOre += r.capturedOre ?? 0;
        const h = hours[osloHour(r.stoppedAt!)];
        h.energyWh += r.energyWh;
        h.capturedOre += r.capturedOre ?? 0;
        h.sessions++;
      } else if (r.state === 'failed' && inDay(r.createdAt)) {
        figures.failedPayments++;
      }
    }
    return figures;
  }
}

function safeBounds(day: string) {
  try {
    return osloDayBounds(day);
  } catch {
    return undefined;
  }
}
