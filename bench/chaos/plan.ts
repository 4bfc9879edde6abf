/**
 * The script of a chaos run, drawn from the seed before anything starts: what each driver does,
 * how each charger misbehaves, and when which fault is injected. Printing the seed is enough to
 * run the same script again (the interleaving on a busy machine still varies).
 */
import type { CommandMode, ConnectorPlan } from './ocpp-charger.js';
import { Rng } from './prng.js';

export type PaymentAction = 'approve' | 'reject' | 'abandon';
export type StopAction = 'phone' | 'charger' | 'both' | 'unplug';
/** Points in a driver's session where a planned kill -9 of plugpay may fire. */
export type Milestone = 'created' | 'approved' | 'charging' | 'stop-requested' | 'charger-stopped' | 'done';

export interface SessionPlan {
  index: number;
  chargerIndex: number;
  connectorNo: number;
  /** When the driver arrives, ms after the drivers start. */
  arriveAfterMs: number;
  amountOre: number;
  payment: PaymentAction;
  /** Time spent in the app before tapping approve or reject. */
  decideAfterMs: number;
  /** How long the driver lets it charge before stopping. */
  chargeMs: number;
  stop: StopAction;
  /** With stop 'both': the phone first (else the charger's button first). */
  phoneFirst: boolean;
  charger: ConnectorPlan;
}

export interface ChargerPlan {
  index: number;
  id: string;
  connectors: number;
  /** The charger's clock is this far off, ms (0 for most). */
  clockSkewMs: number;
}

export interface KillPlan {
  /** the driver whose milestone triggers it */
  session: number;
  milestone: Milestone;
  delayMs: number;
  /** how long plugpay stays down before it is started again */
  downMs: number;
}

export type VippsFault =
  | { kind: 'fail'; status: number; count: number; pathPrefix?: string; retryAfterSeconds?: number }
  | { kind: 'latency'; ms: number; count: number; pathPrefix?: string }
  | { kind: 'hang'; count: number; pathPrefix?: string }
  | { kind: 'webhook'; mode: 'drop' | 'duplicate' | 'reorder'; count: number };

export type TimedFault = { atMs: number } & ({ type: 'offline'; chargerIndex: number; durationMs: number } | { type: 'vipps'; fault: VippsFault });

export interface ChaosPlan {
  seed: number;
  chargers: ChargerPlan[];
  sessions: SessionPlan[];
  kills: KillPlan[];
  faults: TimedFault[];
}

export interface PlanOptions {
  seed: number;
  sessions: number;
  kills: number;
  connectorsPerCharger: number;
  /** Drivers arrive spread over this window. */
  arrivalWindowMs: number;
  reserveOptionsOre: number[];
  /** Small reservations (a few kroner) that a fast charge uses up within a minute. */
  tightReserveOptionsOre: number[];
}

const HOUR = 3_600_000;
const MODES: ReadonlyArray<readonly [CommandMode, number]> = [
  ['accept', 8],
  ['reject', 1],
  ['ignore', 1]
];
const STOP_MODES: ReadonlyArray<readonly [CommandMode, number]> = [
  ['accept', 7],
  ['reject', 1.5],
  ['ignore', 1.5]
];
/** Vipps paths the faults aim at: creating and reading payments, capture, cancel, the token. */
const VIPPS_PATHS = ['/epayment/v1/payments', '/capture', '/cancel', '/accesstoken/get', undefined] as const;

export function makePlan(o: PlanOptions): ChaosPlan {
  const root = new Rng(o.seed);
  const chargerCount = Math.ceil(o.sessions / o.connectorsPerCharger);

  const crng = root.fork('chargers');
  const chargers: ChargerPlan[] = Array.from({ length: chargerCount }, (_, i) => ({
    index: i,
    id: `CHAOS-${String(i + 1).padStart(2, '0')}`,
    connectors: Math.min(o.connectorsPerCharger, o.sessions - i * o.connectorsPerCharger),
    // A charger that lost its NTP sync: hours off, either way, and stays so.
    clockSkewMs: crng.chance(0.35) ? (crng.chance(0.5) ? 1 : -1) * (crng.int(1, 6) * HOUR + crng.int(0, 59) * 60_000) : 0
  }));

  // One connector per session, so whatever a connector delivers belongs to exactly one session.
  const srng = root.fork('sessions');
  const slots = chargers.flatMap((c) => Array.from({ length: c.connectors }, (_, k) => ({ chargerIndex: c.index, connectorNo: k + 1 })));
  for (let i = slots.length - 1; i > 0; i--) {
    const j = srng.int(0, i);
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  // Its own stream, so this later addition left every other draw (and so each seed's script) as it was.
  const orng = root.fork('offline-at-start');
  const sessions: SessionPlan[] = slots.map((slot, index) => {
    // Some drivers reserve little and charge long and fast, so the cost runs into the
    // reservation (auto-stop, and capture capped at what was authorized).
    const tight = srng.chance(0.2);
    return {
      index,
      ...slot,
      arriveAfterMs: srng.int(0, o.arrivalWindowMs),
      amountOre: tight ? srng.pick(o.tightReserveOptionsOre) : srng.pick(o.reserveOptionsOre),
      payment: srng.weighted<PaymentAction>([
        ['approve', 75],
        ['reject', 10],
        ['abandon', 15]
      ]),
      decideAfterMs: srng.int(200, 4_000),
      chargeMs: tight ? srng.int(20_000, 40_000) : srng.int(3_000, 20_000),
      stop: srng.weighted<StopAction>([
        ['phone', 40],
        ['charger', 30],
        ['both', 20],
        ['unplug', 10]
      ]),
      phoneFirst: srng.chance(0.5),
      charger: {
        remoteStart: srng.weighted(MODES),
        remoteStop: srng.weighted(STOP_MODES),
        powerW: tight ? 150_000 : srng.pick([7_400, 11_000, 22_000, 50_000, 150_000]),
        offlineAtStartMs: orng.chance(0.15) ? orng.int(2_000, 8_000) : 0
      }
    };
  });

  const krng = root.fork('kills');
  const milestones: Milestone[] = ['created', 'approved', 'charging', 'stop-requested', 'charger-stopped', 'done'];
  const kills: KillPlan[] = Array.from({ length: o.kills }, () => ({
    session: krng.int(0, o.sessions - 1),
    milestone: krng.pick(milestones),
    delayMs: krng.int(0, 2_000),
    downMs: krng.int(0, 3_000)
  }));

  const frng = root.fork('faults');
  const span = o.arrivalWindowMs + 20_000;
  const faults: TimedFault[] = [];
  for (let i = 0; i < Math.ceil(o.sessions / 5); i++) {
    faults.push({ atMs: frng.int(1_000, span), type: 'offline', chargerIndex: frng.int(0, chargerCount - 1), durationMs: frng.int(1_000, 8_000) });
  }
  for (let i = 0; i < Math.ceil(o.sessions / 2); i++) {
    const kind = frng.weighted<VippsFault['kind']>([
      ['fail', 4],
      ['latency', 3],
      ['hang', 1],
      ['webhook', 3]
    ]);
    let fault: VippsFault;
    if (kind === 'fail') {
      const status = frng.pick([500, 502, 503, 429]);
      fault = { kind, status, count: frng.int(1, 3), pathPrefix: frng.pick(VIPPS_PATHS), ...(status === 429 ? { retryAfterSeconds: 1 } : {}) };
    } else if (kind === 'latency') {
      fault = { kind, ms: frng.int(300, 4_000), count: frng.int(1, 6), pathPrefix: frng.pick(VIPPS_PATHS) };
    } else if (kind === 'hang') {
      fault = { kind, count: 1, pathPrefix: frng.pick(['/capture', '/cancel', '/epayment/v1/payments'] as const) };
    } else {
      fault = { kind, mode: frng.pick(['drop', 'duplicate', 'reorder'] as const), count: frng.int(1, 3) };
    }
    faults.push({ atMs: frng.int(1_000, span), type: 'vipps', fault });
  }
  faults.sort((a, b) => a.atMs - b.atMs);
  return { seed: o.seed, chargers, sessions, kills, faults };
}

/** A short name for a Vipps fault, for the table. */
export function vippsFaultName(f: VippsFault): string {
  return f.kind === 'webhook' ? `webhook ${f.mode}` : `vipps ${f.kind}`;
}
