/**
 * The operator console's contract between plugpay's server and its pages: staff, the
 * in-process bridge the console's pages call, and the views they render.
 */
import type { OperatorStationView, SessionState, SessionView, StationView, TariffView } from './api.js';

export type StaffRole = 'admin' | 'operator' | 'cashier';

export interface StaffMember {
  id: string;
  username: string;
  displayName: string;
  role: StaffRole;
}

export type StaffSignIn =
  | { ok: true; token: string; staff: StaffMember; expiresAt: Date }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: Date }
  | { ok: false; reason: 'rate-limited'; retryAfterSeconds: number };

/** A charger as the station panel shows it. */
export interface ChargerDetails {
  id: string;
  vendor: string | null;
  model: string | null;
  firmwareVersion: string | null;
  serialNumber: string | null;
  online: boolean;
  lastSeen?: string;
}

/** A station with what the list and the panel add to the map's view. */
export interface StationDetails {
  station: OperatorStationView;
  chargers: ChargerDetails[];
  /** Per connector: since when it has been in its status (ISO), for offline and faulted durations. */
  statusSince: Record<string, string | undefined>;
  /** Per live session: when charging started (ISO), for the elapsed time. */
  sessionStarted: Record<string, string | undefined>;
}

export interface MapSettings {
  /** A tile server URL template ({z}/{x}/{y}); without it the map draws country outlines only. */
  tileUrl?: string;
  tileAttribution?: string;
}

/**
 * What the console's server-side pages can ask of plugpay, in-process. main.ts publishes it on
 * `globalThis[OPERATOR_BRIDGE]`; `src/hooks.server.ts` puts it on `event.locals.operator`.
 */
export const OPERATOR_BRIDGE = Symbol.for('plugpay.operator-bridge');

export interface OperatorBridge {
  signIn(input: { username: string; password: string; client: string }): Promise<StaffSignIn>;
  signOut(token: string | undefined): Promise<void>;
  staff(token: string | undefined): Promise<StaffMember | null>;
  /** The CSRF token that goes with a cookie value (the session's, or the sign-in form's). */
  csrfToken(binding: string): string;
  csrfValid(binding: string | undefined, given: string | null | undefined): boolean;
  stations(): Promise<OperatorStationView[]>;
  stationDetails(stationId: string): Promise<StationDetails | null>;
  /** Every station's details at once (the stations list). */
  allStationDetails(): Promise<StationDetails[]>;
  /** Newest first; at most `limit` (200 by default, 5000 at most). */
  sessions(filter: SessionFilter, limit?: number): Promise<SessionSummary[]>;
  session(sessionId: string): Promise<SessionDetails | null>;
  /** Failed or dead-lettered money jobs (settlement, receipts). */
  moneyJobs(): Promise<MoneyJob[]>;
  /** Runs a failed money job again now; false when it is done or unknown. */
  retryJob(jobId: number, by: string): Promise<boolean>;
  /** Figures for one day in Oslo time (yyyy-mm-dd), today when absent. */
  day(day?: string): Promise<DayFigures>;
  tariffs(): Promise<TariffRecord[]>;
  /** Stations as set up (with their tariff), for editing. */
  stationRecords(): Promise<Array<StationView & { tariffId: string }>>;
  saveTariff(input: unknown, by: string): Promise<SetupOutcome>;
  saveStation(input: unknown, by: string): Promise<SetupOutcome>;
  /** Registers a charger with its OCPP password (security profile 1, HTTP Basic). */
  registerCharger(input: unknown, by: string): Promise<SetupOutcome>;
  /** A station's stickers (every station's when absent), each QR made or reused through the QR API. */
  stickers(stationId?: string): Promise<StickerItem[]>;
  map: MapSettings;
}

/** One step of a session's payment timeline (server/operators/payment-timeline.ts). */
export interface TimelineStep {
  /** ISO time; absent when only the fact is known (an approval read back by polling). */
  at?: string;
  kind: 'created' | 'authorized' | 'captured' | 'cancelled' | 'refunded' | 'failed' | 'event' | 'charging' | 'settled' | 'receipt' | 'job-failing' | 'job-pending';
  text: string;
  amountOre?: number;
  releasedOre?: number;
  /** The payment reference, or the pspReference of a Vipps event. */
  reference?: string;
  source?: 'webhook' | 'polling';
  jobId?: number;
  retryable?: boolean;
}

/** A row of the sessions list. */
export interface SessionSummary {
  id: string;
  state: SessionState;
  connectorId: string;
  chargerId: string;
  stationId?: string;
  stationName?: string;
  paymentReference: string;
  reservedOre: number;
  authorizedOre?: number;
  costOre?: number;
  capturedOre?: number;
  cancelledOre?: number;
  energyWh: number;
  createdAt: string;
  startedAt?: string;
  stoppedAt?: string;
  stopReason?: string;
}

export interface SessionFilter {
  stationId?: string;
  state?: SessionState;
  /** yyyy-mm-dd, a day in Oslo time: from its start. */
  from?: string;
  /** yyyy-mm-dd, a day in Oslo time: to its end. */
  to?: string;
}

export interface SessionDetails {
  summary: SessionSummary;
  view: SessionView;
  timeline: TimelineStep[];
}

export interface MoneyJob {
  id: number;
  kind: string;
  sessionId?: string;
  attempts: number;
  createdAt: string;
  deadAt?: string;
  failedAt?: string;
  nextAttemptAt?: string;
  lastError?: string;
}

export interface DayFigures {
  /** yyyy-mm-dd in Oslo time. */
  day: string;
  energyWh: number;
  capturedOre: number;
  activeSessions: number;
  completedSessions: number;
  /** Failed (nothing charged) and abandoned (never approved) reservations of the day. */
  failedPayments: number;
  /** Per hour of the day (0–23, Oslo time): energy and money of sessions that ended then. */
  hours: Array<{ hour: number; energyWh: number; capturedOre: number; sessions: number }>;
}

/** A tariff with its id, as the console edits it (øre including VAT). */
export interface TariffRecord extends TariffView {
  id: string;
}

/** One sticker of the printable sheet: made through the Vipps MobilePay QR API. */
export interface StickerItem {
  connectorId: string;
  connectorNo: number;
  stationName: string;
  plugType: string;
  maxPowerW: number;
  tariff?: TariffView;
  sticker?: { qrId: string; imageUrl: string; redirectUrl: string };
  /** Why there is no sticker (the QR API refused, no tariff yet, …). */
  error?: string;
}

export type SetupOutcome = { ok: true; message?: string } | { ok: false; message: string };

/** The states a session can be filtered by in the console. */
export const SESSION_STATES: SessionState[] = ['awaiting_payment', 'starting', 'charging', 'stopping', 'finalizing', 'completed', 'failed'];
