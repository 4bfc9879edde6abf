/**
 * No reservation is held longer than it should be without somebody knowing. A session's money
 * is normally settled minutes after the charge ends; one that still holds its reservation a day
 * later is stuck (a charger that never reports the stop, a capture that keeps failing), and
 * Vipps MobilePay lets a reservation be captured for a limited time only: 180 days in Norway,
 * 14 in Denmark and Finland (ePayment API guide, "capture"). The watch runs on a timer, logs an
 * ALERT once per stuck session and counts it, and exposes the oldest held reservation's age.
 */
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import type { SessionRepository } from '../store/session-repository.js';
import type { Clock } from './ports.js';

export interface ReservationWatchDeps {
  db: Db;
  sessions: Pick<SessionRepository, 'holdingReservationSince'>;
  clock: Clock;
  logger: Logger;
  /** A reservation held longer than this is an alert. */
  alertAfterMs: number;
  /** Counts each alert (the composition root wires the metric). */
  onAlert?: (sessionId: string) => void;
}

/** How many stuck sessions one run looks at (the oldest first). */
const BATCH = 200;

export class ReservationWatch {
  /** Sessions already alerted on by this node, so each is logged once, not on every run. */
  private readonly alerted = new Set<string>();

  constructor(private readonly deps: ReservationWatchDeps) {}

  /** Alerts on sessions newly found holding a reservation too long; returns their ids. */
  async check(): Promise<string[]> {
    const { db, sessions, clock, logger, alertAfterMs } = this.deps;
    const now = clock.now();
    const overdue = await sessions.holdingReservationSince(db, new Date(now.getTime() - alertAfterMs), BATCH);
    const fresh = overdue.filter((s) => !this.alerted.has(s.id));
    for (const s of fresh) {
      this.alerted.add(s.id);
      logger.error(
        {
          alert: 'reservation-held',
          sessionId: s.id,
          state: s.state,
          paymentReference: s.paymentReference,
          authorizedOre: s.authorizedOre,
          heldHours: Math.round((now.getTime() - s.createdAt.getTime()) / 36e5)
        },
        'ALERT: a reservation is still held long after its session began; settle it before Vipps MobilePay lets it expire'
      );
      this.deps.onAlert?.(s.id);
    }
    // Forget sessions that have been settled since, so the set stays as small as the problem.
    if (overdue.length < BATCH) {
      const still = new Set(overdue.map((s) => s.id));
      for (const id of this.alerted) if (!still.has(id)) this.alerted.delete(id);
    }
    return fresh.map((s) => s.id);
  }
}
