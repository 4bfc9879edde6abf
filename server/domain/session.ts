/**
 * The charging session as a pure state machine: `transition(session, event, ctx)` returns the
 * next session and the commands to run. No I/O, no clock (time arrives in events and ctx), no
 * randomness. The sessions service persists the result and runs the commands.
 *
 *   awaiting_payment ──authorized──▶ starting ──transaction started──▶ charging
 *         │                              │                                │ stop (driver, auto, charger)
 *         └─payment failed─▶ failed ◀─start refused / timed out           ▼
 *                                                               stopping ──stopped──▶ finalizing ──settled──▶ completed
 *
 * A member's session (billing `membership`, pay-as-you-go) takes the same spine with no
 * reservation: `membership-approved` starts it with a budget (what is left of the agreement's
 * daily limit), the auto-stop keeps its cost within that budget as it keeps a reservation's, and
 * it ends `completed` at once, with nothing to capture or release: the day's sessions are charged
 * together later (daily-charge.ts).
 */
import { boundEnergy, clampInstant, deliveredEnergy, type Anomaly } from './charger-claims.js';
import { costOf, shouldAutoStop, type Tariff, type Usage } from './tariff.js';
import type { Ore } from './money.js';

export type SessionState =
  | 'awaiting_payment'
  | 'starting'
  | 'charging'
  | 'stopping'
  | 'finalizing'
  | 'completed'
  | 'failed';

export type StopCause = 'driver' | 'auto-stop' | 'charger' | 'offline' | 'payment';

export interface Session {
  id: string;
  state: SessionState;
  reservedOre: Ore;
  authorizedOre?: Ore;
  tariff: Tariff;
  transactionId?: number;
  meterStartWh?: number;
  meterStopWh?: number;
  /** Energy delivered so far (Wh), from the latest meter sample. */
  energyWh: number;
  powerW: number;
  startedAt?: Date;
  /** When the latest meter sample was taken. */
  lastMeterAt?: Date;
  /** Seconds plugged in without drawing power, in spells that have ended (idle fee). */
  idleSeconds?: number;
  /** Start of the current spell without drawing power, if one is running. */
  idleSince?: Date;
  stoppedAt?: Date;
  /** Who or what ended the session; for the driver and the operator. */
  stopReason?: string;
  /** A message for the driver when the session failed. */
  failure?: string;
  costOre?: Ore;
  captureOre?: Ore;
  /** When the driver opened the session: no transaction of it can have started earlier. */
  createdAt?: Date;
  /** The connector's rated power: energy beyond what it can deliver is not billed. */
  maxPowerW?: number;
  /** What the charger claimed and plugpay corrected (charger-claims.ts), for the operator. */
  anomalies?: Anomaly[];
  /** How the session is paid: a reservation of its own (default), or a member's daily charge. */
  billing?: 'reservation' | 'membership';
}

export type SessionEvent =
  | { type: 'payment-authorized'; amountOre: Ore }
  /** A member may start: `budgetOre` is what is left of the day's limit (daily-charge.ts). */
  | { type: 'membership-approved'; budgetOre: Ore }
  | { type: 'payment-failed'; status: 'rejected' | 'expired' | 'terminated' }
  /** The driver walked away from the approval and another driver wants the connector. */
  | { type: 'abandoned' }
  /** The driver cancelled the payment from plugpay's page before approving it. */
  | { type: 'cancelled-by-driver' }
  | { type: 'start-rejected'; why: 'rejected' | 'unreachable' | 'timeout' }
  /** `at` is the charger's timestamp; `receivedAt` is plugpay's clock when the message came in. */
  | { type: 'transaction-started'; transactionId: number; meterStartWh: number; at: Date; receivedAt: Date }
  | { type: 'meter'; energyWh?: number; powerW?: number; at: Date; receivedAt: Date }
  | { type: 'stop-requested'; by: 'driver' | 'auto-stop' | 'operator' }
  | { type: 'transaction-stopped'; meterStopWh: number; at: Date; receivedAt: Date; reason: string }
  | { type: 'charger-lost'; at: Date }
  | { type: 'settled'; capturedOre: Ore; cancelledOre: Ore };

export type SessionCommand =
  | { type: 'remote-start' }
  | { type: 'schedule-start-timeout' }
  /** Sent until the charger reports the transaction stopped (a refusal or silence is retried). */
  | { type: 'remote-stop'; transactionId: number }
  /** If the stop has not taken effect by then, take the connector out of service and alert. */
  | { type: 'schedule-stop-deadline' }
  /** Capture `captureOre` (0: nothing), release the rest, send the receipt when something was captured. */
  | { type: 'settle'; captureOre: Ore }
  /** Release a reservation that was authorized but will not be used. */
  | { type: 'release' };

export interface TransitionContext {
  meterIntervalSeconds: number;
}

export interface Transition {
  session: Session;
  commands: SessionCommand[];
  /** False when the event did not apply in this state (a duplicate or a late message). */
  applied: boolean;
}

const FAILURE_TEXT: Record<string, string> = {
  rejected: 'The payment was declined in the app. You have not been charged.',
  expired: 'The payment was not approved in time. You have not been charged.',
  terminated: 'The payment was cancelled. You have not been charged.',
  abandoned: 'The payment was not approved, and another driver has taken the connector. You have not been charged.',
  cancelled: 'You cancelled the payment. You have not been charged.',
  'start-rejected': 'The charger refused to start. Your reservation has been released; you have not been charged.',
  'start-unreachable': 'The charger could not be reached. Your reservation has been released; you have not been charged.',
  'start-timeout': 'The charger did not start in time. Is the cable plugged in? Your reservation has been released; you have not been charged.'
};

/**
 * The code of a stored failure text, for the pages to word in the driver's language. Texts
 * stored before codes existed (or unknown ones) give undefined; the page then shows a general
 * failure in the driver's language.
 */
export function failureCode(text: string | undefined): string | undefined {
  if (!text) return undefined;
  return Object.entries(FAILURE_TEXT).find(([, t]) => t === text)?.[0];
}

const unchanged = (session: Session): Transition => ({ session, commands: [], applied: false });

/** Seconds between two instants, never negative. */
function secondsBetween(from: Date | undefined, to: Date | undefined): number {
  if (!from || !to) return 0;
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));
}

/** What a session used up to `at` (or its stop): energy, charging time, idle time. */
export function usageOf(s: Session, at: Date): Usage {
  const end = s.stoppedAt ?? at;
  return {
    energyWh: s.energyWh,
    durationSeconds: secondsBetween(s.startedAt, end),
    idleSeconds: (s.idleSeconds ?? 0) + secondsBetween(s.idleSince, end)
  };
}

/** The running cost of a session at `at` (final cost once stopped). */
export function runningCost(s: Session, at: Date): Ore {
  return costOf(s.tariff, usageOf(s, at)).totalOre;
}

/** Below this a sample with no energy gained counts as not drawing (a car's standby draw). */
const IDLE_POWER_W = 100;

function withAnomalies(s: Session, found: Anomaly[]): Anomaly[] | undefined {
  if (found.length === 0) return s.anomalies;
  return [...new Set([...(s.anomalies ?? []), ...found])];
}

/**
 * Finalizes: the energy from the register and the samples within physical bounds
 * (charger-claims.ts), the time by plugpay's clock, the cost capped at the authorization.
 * `at` has already been bounded by the caller's event handling.
 */
function finalize(s: Session, stopReason: string, at: Date, meterStopWh?: number, found: Anomaly[] = [], heardAt: Date = at): Transition {
  const stoppedAt = at < (s.startedAt ?? at) ? s.startedAt! : at;
  // Energy may have flowed until plugpay heard of the stop: that bounds what is physically possible.
  const energy = deliveredEnergy({
    meterStartWh: s.meterStartWh,
    meterStopWh,
    sampledWh: s.energyWh,
    maxPowerW: s.maxPowerW,
    // The bound is what was physically possible: from the earliest moment charging could have
    // begun (the session was opened), not from the start we bill from. A charger whose clock was
    // far off and who came back late gets its start moved to when plugpay heard of it; bounding
    // from there cut real energy delivered while it was away (chaos seed 1386).
    startedAt: s.createdAt ?? s.startedAt,
    stoppedAt: heardAt > stoppedAt ? heardAt : stoppedAt
  });
  const energyWh = energy.value;
  const ended: Session = { ...s, energyWh, stoppedAt, anomalies: withAnomalies(s, [...found, ...energy.anomalies]) };
  const usage = usageOf(ended, stoppedAt);
  const costOre = costOf(s.tariff, usage).totalOre;
  // The auto-stop keeps the cost under the reservation; the cap is the last guard of the money rule.
  const captureOre = Math.min(costOre, s.authorizedOre ?? s.reservedOre);
  const session: Session = {
    ...ended,
    state: 'finalizing',
    meterStopWh: meterStopWh ?? (s.meterStartWh !== undefined ? s.meterStartWh + energyWh : undefined),
    powerW: 0,
    idleSeconds: usage.idleSeconds,
    idleSince: undefined,
    stopReason: s.stopReason ?? stopReason,
    costOre,
    captureOre
  };
  return { session, commands: [{ type: 'settle', captureOre }], applied: true };
}

/**
 * Idle spells: a sample that gained no energy and shows no real power means the car stopped
 * drawing since the previous sample; a sample that gained energy ends the spell.
 */
function trackIdle(s: Session, energyWh: number, powerW: number | undefined, at: Date): Pick<Session, 'idleSeconds' | 'idleSince'> {
  const drawing = energyWh > s.energyWh || (powerW ?? 0) >= IDLE_POWER_W;
  if (drawing) {
    if (!s.idleSince) return { idleSeconds: s.idleSeconds, idleSince: undefined };
    return { idleSeconds: (s.idleSeconds ?? 0) + secondsBetween(s.idleSince, s.lastMeterAt ?? at), idleSince: undefined };
  }
  return { idleSeconds: s.idleSeconds, idleSince: s.idleSince ?? s.lastMeterAt ?? s.startedAt ?? at };
}

export function transition(s: Session, e: SessionEvent, ctx: TransitionContext): Transition {
  if (s.billing === 'membership') return memberTransition(s, e, ctx);
  if (e.type === 'membership-approved') return unchanged(s);
  return reservationTransition(s, e, ctx);
}

/**
 * A member's session: no reservation to capture or release. It runs the reservation spine with
 * its budget standing in for the authorization; finalizing completes it at once (the cost is
 * billed with the day's charge), and a release has nothing to release.
 */
function memberTransition(s: Session, e: SessionEvent, ctx: TransitionContext): Transition {
  if (e.type === 'payment-authorized' || e.type === 'payment-failed' || e.type === 'settled') return unchanged(s);
  if (e.type === 'membership-approved') {
    if (s.state !== 'awaiting_payment') return unchanged(s);
    return {
      session: { ...s, state: 'starting', authorizedOre: e.budgetOre },
      commands: [{ type: 'remote-start' }, { type: 'schedule-start-timeout' }],
      applied: true
    };
  }
  const t = reservationTransition(s, e, ctx);
  if (!t.applied) return t;
  const commands = t.commands.filter((c) => c.type !== 'settle' && c.type !== 'release');
  let session = t.session.state === 'finalizing' ? { ...t.session, state: 'completed' as const } : t.session;
  if (session.failure) session = { ...session, failure: session.failure.replace('Your reservation has been released; you have', 'You have') };
  return { session, commands, applied: true };
}

function reservationTransition(s: Session, e: Exclude<SessionEvent, { type: 'membership-approved' }>, ctx: TransitionContext): Transition {
  switch (e.type) {
    case 'payment-authorized':
      if (s.state === 'failed' && s.authorizedOre === undefined) {
        // Authorized after plugpay gave up on it (e.g. the create call timed out but went through):
        // nobody will charge against it, so release it at once.
        return { session: { ...s, authorizedOre: e.amountOre }, commands: [{ type: 'release' }], applied: true };
      }
      if (s.state !== 'awaiting_payment') return unchanged(s);
      return {
        session: { ...s, state: 'starting', authorizedOre: e.amountOre },
        commands: [{ type: 'remote-start' }, { type: 'schedule-start-timeout' }],
        applied: true
      };

    case 'payment-failed':
      if (s.state !== 'awaiting_payment') return unchanged(s);
      return {
        session: { ...s, state: 'failed', stopReason: 'payment', failure: FAILURE_TEXT[e.status] },
        commands: [],
        applied: true
      };

    case 'abandoned':
      if (s.state !== 'awaiting_payment') return unchanged(s);
      // Release whatever the payment becomes: settle reads its state and cancels it.
      return {
        session: { ...s, state: 'failed', stopReason: 'payment', failure: FAILURE_TEXT.abandoned },
        commands: [{ type: 'release' }],
        applied: true
      };

    case 'cancelled-by-driver':
      if (s.state !== 'awaiting_payment') return unchanged(s);
      // Like an abandoned one: settle reads the payment and terminates it (or releases it, if
      // the approval crossed the cancel).
      return {
        session: { ...s, state: 'failed', stopReason: 'payment', failure: FAILURE_TEXT.cancelled },
        commands: [{ type: 'release' }],
        applied: true
      };

    case 'start-rejected':
      if (s.state !== 'starting') return unchanged(s);
      return {
        session: { ...s, state: 'failed', stopReason: 'charger-refused', failure: FAILURE_TEXT[`start-${e.why}`] },
        commands: [{ type: 'release' }],
        applied: true
      };

    case 'transaction-started': {
      if (s.state !== 'starting') return unchanged(s);
      // Charging cannot have started before the driver opened the session, nor after we heard of it.
      const start = clampInstant(e.at, s.createdAt ?? e.receivedAt, e.receivedAt);
      return {
        session: {
          ...s,
          state: 'charging',
          transactionId: e.transactionId,
          meterStartWh: e.meterStartWh,
          startedAt: start.value,
          energyWh: 0,
          powerW: 0,
          anomalies: withAnomalies(s, start.anomalies)
        },
        commands: [],
        applied: true
      };
    }

    case 'meter': {
      if (s.state !== 'charging' && s.state !== 'stopping') return unchanged(s);
      const when = clampInstant(e.at, s.lastMeterAt ?? s.startedAt ?? e.receivedAt, e.receivedAt);
      const at = when.value;
      // Samples can arrive out of order: an older one changes nothing (the gateway stores it).
      if (s.lastMeterAt && at < s.lastMeterAt) return unchanged(s);
      const claimed =
        e.energyWh !== undefined && s.meterStartWh !== undefined ? Math.max(s.energyWh, e.energyWh - s.meterStartWh) : s.energyWh;
      const bounded = boundEnergy(claimed, s.maxPowerW, s.createdAt ?? s.startedAt, e.receivedAt);
      const energyWh = Math.max(s.energyWh, bounded.value);
      // Power as the energy actually grew since the last sample: a charger that reports no power,
      // or reports it late, must not let the cost run past the reservation.
      const since = s.lastMeterAt ?? s.startedAt;
      const seconds = since ? (at.getTime() - since.getTime()) / 1000 : 0;
      const observedW = seconds > 0 ? Math.ceil(((energyWh - s.energyWh) * 3600) / seconds) : 0;
      // A charger that sends energy only: the driver sees the power the energy readings imply.
      const reportedW = e.powerW ?? (seconds > 0 && e.energyWh !== undefined ? observedW : undefined);
      const powerW = reportedW === undefined ? s.powerW : Math.max(0, Math.min(reportedW, s.maxPowerW ? s.maxPowerW * 2 : reportedW));
      const found = [...when.anomalies, ...bounded.anomalies.filter((a) => a !== 'no-power-rating')];
      const next: Session = { ...s, energyWh, powerW, lastMeterAt: at, ...trackIdle(s, energyWh, powerW, at), anomalies: withAnomalies(s, found) };
      if (
        s.state === 'charging' &&
        shouldAutoStop(
          s.tariff,
          { ...usageOf(next, at), powerW: Math.max(next.powerW, observedW) },
          s.authorizedOre ?? s.reservedOre,
          ctx.meterIntervalSeconds
        )
      ) {
        return {
          session: { ...next, state: 'stopping', stopReason: 'auto-stop' },
          commands: [{ type: 'remote-stop', transactionId: s.transactionId! }, { type: 'schedule-stop-deadline' }],
          applied: true
        };
      }
      return { session: next, commands: [], applied: true };
    }

    case 'stop-requested':
      // A stop the charger refused or ignored stays wanted: the session stays `stopping` and the
      // stop is sent again (by its retries, and at once when the driver presses Stop again).
      if (s.state === 'stopping' && (e.by === 'driver' || e.by === 'operator')) {
        return { session: s, commands: [{ type: 'remote-stop', transactionId: s.transactionId! }], applied: true };
      }
      if (s.state !== 'charging') return unchanged(s);
      return {
        session: { ...s, state: 'stopping', stopReason: e.by },
        commands: [{ type: 'remote-stop', transactionId: s.transactionId! }, { type: 'schedule-stop-deadline' }],
        applied: true
      };

    case 'transaction-stopped': {
      if (s.state !== 'charging' && s.state !== 'stopping') return unchanged(s);
      // A stop dated in the future (or before the last reading) is billed to when we know it happened.
      const stop = clampInstant(e.at, s.lastMeterAt ?? s.startedAt ?? e.receivedAt, e.receivedAt);
      return finalize(s, 'charger', stop.value, e.meterStopWh, stop.anomalies, e.receivedAt);
    }

    case 'charger-lost':
      if (s.state === 'starting') {
        return {
          session: { ...s, state: 'failed', stopReason: 'charger-refused', failure: FAILURE_TEXT['start-unreachable'] },
          commands: [{ type: 'release' }],
          applied: true
        };
      }
      if (s.state !== 'charging' && s.state !== 'stopping') return unchanged(s);
      return finalize({ ...s, stopReason: 'offline' }, 'offline', e.at);

    case 'settled':
      if (s.state !== 'finalizing' && s.state !== 'failed') return unchanged(s);
      return {
        session: { ...s, state: s.state === 'finalizing' ? 'completed' : 'failed', captureOre: e.capturedOre },
        commands: [],
        applied: true
      };
  }
}

/** Whether a session still holds its connector (a new driver cannot start there). */
export function isLive(state: SessionState): boolean {
  return state === 'awaiting_payment' || state === 'starting' || state === 'charging' || state === 'stopping';
}
