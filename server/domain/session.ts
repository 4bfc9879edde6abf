/**
 * The charging session as a pure state machine: `transition(session, event, ctx)` returns the
 * next session and the commands to run. No I/O, no clock (time arrives in events and ctx), no
 * randomness. The sessions service persists the result and runs the commands.
 *
 *   awaiting_payment ──authorized──▶ starting ──transaction started──▶ charging
 *         │                              │                                │ stop (driver, auto, charger)
 *         └─payment failed─▶ failed ◀─start refused / timed out           ▼
 *                                                               stopping ──stopped──▶ finalizing ──settled──▶ completed
 */
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
}

export type SessionEvent =
  | { type: 'payment-authorized'; amountOre: Ore }
  | { type: 'payment-failed'; status: 'rejected' | 'expired' | 'terminated' }
  /** The driver walked away from the approval and another driver wants the connector. */
  | { type: 'abandoned' }
  | { type: 'start-rejected'; why: 'rejected' | 'unreachable' | 'timeout' }
  | { type: 'transaction-started'; transactionId: number; meterStartWh: number; at: Date }
  | { type: 'meter'; energyWh?: number; powerW?: number; at: Date }
  | { type: 'stop-requested'; by: 'driver' | 'auto-stop' }
  | { type: 'stop-refused' }
  | { type: 'transaction-stopped'; meterStopWh: number; at: Date; reason: string }
  | { type: 'charger-lost'; at: Date }
  | { type: 'settled'; capturedOre: Ore; cancelledOre: Ore };

export type SessionCommand =
  | { type: 'remote-start' }
  | { type: 'schedule-start-timeout' }
  | { type: 'remote-stop'; transactionId: number }
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
  'start-rejected': 'The charger refused to start. Your reservation has been released; you have not been charged.',
  'start-unreachable': 'The charger could not be reached. Your reservation has been released; you have not been charged.',
  'start-timeout': 'The charger did not start in time. Is the cable plugged in? Your reservation has been released; you have not been charged.'
};

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

/** Finalizes: the cost from meterStop − meterStart (or the last reading), capped at the authorization. */
function finalize(s: Session, stopReason: string, at: Date, meterStopWh?: number): Transition {
  const energyWh =
    meterStopWh !== undefined && s.meterStartWh !== undefined ? Math.max(0, meterStopWh - s.meterStartWh) : s.energyWh;
  const stoppedAt = at < (s.startedAt ?? at) ? s.startedAt! : at;
  const ended: Session = { ...s, energyWh, stoppedAt };
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

    case 'start-rejected':
      if (s.state !== 'starting') return unchanged(s);
      return {
        session: { ...s, state: 'failed', stopReason: 'charger-refused', failure: FAILURE_TEXT[`start-${e.why}`] },
        commands: [{ type: 'release' }],
        applied: true
      };

    case 'transaction-started':
      if (s.state !== 'starting') return unchanged(s);
      return {
        session: {
          ...s,
          state: 'charging',
          transactionId: e.transactionId,
          meterStartWh: e.meterStartWh,
          startedAt: e.at,
          energyWh: 0,
          powerW: 0
        },
        commands: [],
        applied: true
      };

    case 'meter': {
      if (s.state !== 'charging' && s.state !== 'stopping') return unchanged(s);
      // Samples can arrive out of order: an older one changes nothing (the gateway stores it).
      if (s.lastMeterAt && e.at < s.lastMeterAt) return unchanged(s);
      const energyWh =
        e.energyWh !== undefined && s.meterStartWh !== undefined ? Math.max(s.energyWh, e.energyWh - s.meterStartWh) : s.energyWh;
      const next: Session = { ...s, energyWh, powerW: e.powerW ?? s.powerW, lastMeterAt: e.at, ...trackIdle(s, energyWh, e.powerW, e.at) };
      // Power as the energy actually grew since the last sample: a charger that reports no power,
      // or reports it late, must not let the cost run past the reservation.
      const since = s.lastMeterAt ?? s.startedAt;
      const seconds = since ? (e.at.getTime() - since.getTime()) / 1000 : 0;
      const observedW = seconds > 0 ? Math.ceil(((energyWh - s.energyWh) * 3600) / seconds) : 0;
      if (
        s.state === 'charging' &&
        shouldAutoStop(
          s.tariff,
          { ...usageOf(next, e.at), powerW: Math.max(next.powerW, observedW) },
          s.authorizedOre ?? s.reservedOre,
          ctx.meterIntervalSeconds
        )
      ) {
        return {
          session: { ...next, state: 'stopping', stopReason: 'auto-stop' },
          commands: [{ type: 'remote-stop', transactionId: s.transactionId! }],
          applied: true
        };
      }
      return { session: next, commands: [], applied: true };
    }

    case 'stop-requested':
      if (s.state !== 'charging') return unchanged(s);
      return {
        session: { ...s, state: 'stopping', stopReason: e.by },
        commands: [{ type: 'remote-stop', transactionId: s.transactionId! }],
        applied: true
      };

    case 'stop-refused':
      // The charger said no (or was unreachable): keep charging and let the driver try again.
      if (s.state !== 'stopping' || s.stopReason !== 'driver') return unchanged(s);
      return { session: { ...s, state: 'charging', stopReason: undefined }, commands: [], applied: true };

    case 'transaction-stopped':
      if (s.state !== 'charging' && s.state !== 'stopping') return unchanged(s);
      return finalize(s, 'charger', e.at, e.meterStopWh);

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
