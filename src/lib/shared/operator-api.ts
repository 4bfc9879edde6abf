/**
 * The operator console's contract between plugpay's server and its pages: staff, the
 * in-process bridge the console's pages call, and the views they render.
 */
import type { OperatorStationView, SessionState } from './api.js';

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
  map: MapSettings;
}

/** The states a session can be filtered by in the console. */
export const SESSION_STATES: SessionState[] = ['awaiting_payment', 'starting', 'charging', 'stopping', 'finalizing', 'completed', 'failed'];
