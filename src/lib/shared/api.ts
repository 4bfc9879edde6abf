/**
 * The contract between plugpay's server and its PWA: zod schemas for request bodies, the view
 * types the server sends, and the typed Socket.IO event maps. Both sides import this module.
 */
import { z } from 'zod';

/** Connector status in plugpay's words (see server/chargers/port.ts). */
export type ConnectorStatusWord =
  | 'available'
  | 'preparing'
  | 'charging'
  | 'suspended'
  | 'finishing'
  | 'reserved'
  | 'unavailable'
  | 'faulted'
  | 'offline'
  | 'unknown';

export interface TariffView {
  currency: 'NOK';
  pricePerKwhOre: number;
  startFeeOre: number;
  perMinuteOre: number;
  idleFeePerMinuteOre: number;
  idleGraceMinutes: number;
  vatRateBp: number;
}

export interface StationView {
  id: string;
  name: string;
  address: string;
  city: string;
  lat: number;
  lng: number;
}

/** Why a connector cannot start a charge now. */
export type UnavailableCode = 'not-open' | 'offline' | 'faulted' | 'out-of-service' | 'in-use' | 'not-ready';

export interface ConnectorView {
  id: string;
  chargerId: string;
  connectorNo: number;
  plugType: string;
  maxPowerW: number;
  status: ConnectorStatusWord;
  /** True when a driver can start here now (status available or preparing, charger online, no live session). */
  available: boolean;
  /** Why not, in words for the driver, when not available (English; pages word the code). */
  unavailableReason?: string;
  unavailableCode?: UnavailableCode;
  /** When this one is not available: connectors at the same station a driver can start at now. */
  freeNearby?: Array<{ id: string; connectorNo: number; plugType: string; maxPowerW: number }>;
  station: StationView;
  tariff: TariffView;
  reserve: { defaultOre: number; minOre: number; maxOre: number; presetsOre: number[] };
  termsUrl: string;
}

/** A session's state in plugpay's words. */
export type SessionState =
  | 'awaiting_payment' // reservation created, driver approving in the app
  | 'starting' // reservation authorized, charger asked to start
  | 'charging' // transaction running
  | 'stopping' // stop asked, waiting for the charger
  | 'finalizing' // transaction over, capture/cancel/receipt in progress
  | 'completed' // paid for what was used, remainder released
  | 'failed'; // ended without charging; nothing charged

export interface ReceiptView {
  energyWh: number;
  durationSeconds: number;
  costOre: number;
  netOre: number;
  vatOre: number;
  vatRateBp: number;
  reservedOre: number;
  capturedOre: number;
  releasedOre: number;
  /** `id` names the line for the page to word: energy, time, idle, start or cap. */
  lines: Array<{ id: string; name: string; quantity?: string; unit?: string; totalOre: number }>;
  /** When the charge ended (the receipt's date and time). */
  issuedAt: string;
  /** The receipt number: the payment reference, also in the Vipps or MobilePay app. */
  receiptNumber: string;
  paymentMethod: 'vipps-mobilepay';
  seller: { name: string; orgNumber: string };
  /** Where the charge took place: the station's street address and city. */
  address: string;
}

export interface SessionView {
  id: string;
  connectorId: string;
  stationName: string;
  connectorLabel: string;
  state: SessionState;
  reservedOre: number;
  /** 'membership': paid with the member's daily charge; `reservedOre` is what is left of the day's limit. */
  billing?: 'membership';
  energyWh: number;
  powerW: number;
  /** Running cost so far (final cost once finalized). */
  costOre: number;
  createdAt: string;
  startedAt?: string;
  stoppedAt?: string;
  /** Why it stopped: 'driver', 'charger', 'auto-stop', 'offline', 'payment', 'charger-refused', … */
  stopReason?: string;
  /** A message for the driver when the session failed or something went wrong (English). */
  message?: string;
  /**
   * What `message` says, as a code the page words in the driver's language: rejected, expired,
   * terminated, abandoned, start-rejected, start-unreachable, start-timeout, offline.
   */
  messageCode?: string;
  /** False while the charger is away from plugpay: the figures are then the last ones it sent. */
  chargerOnline: boolean;
  /** When the newest meter reading was taken. */
  lastMeterAt?: string;
  /** Recent power samples for the chart, oldest first (at most POWER_SERIES_POINTS). */
  powerSeries: Array<{ t: string; w: number }>;
  /**
   * Set on live meter updates: `powerSeries` then holds only the newest point, for the page to
   * append (mergeSessionUpdate). Sending the whole series with every sample made each update
   * 60 points too large.
   */
  powerSeriesTail?: boolean;
  tariff: TariffView;
  receipt?: ReceiptView;
}

export interface OperatorConnectorView {
  id: string;
  connectorNo: number;
  plugType: string;
  maxPowerW: number;
  status: ConnectorStatusWord;
  session?: { id: string; state: SessionState; energyWh: number; powerW: number; costOre: number };
}

export interface OperatorStationView extends StationView {
  chargers: Array<{ id: string; online: boolean; lastSeen?: string; connectors: OperatorConnectorView[] }>;
}

// ---- request bodies -------------------------------------------------------------------------

export const connectorIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a connector id');
export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'not a session id');
export const sessionTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{20,128}$/, 'not a session token');

export const startSessionBody = z.object({
  connectorId: connectorIdSchema,
  /** Amount to reserve, in øre. */
  amountOre: z.number().int().positive()
});
export type StartSessionBody = z.infer<typeof startSessionBody>;

export interface StartSessionResult {
  sessionId: string;
  token: string;
  /** Where to send the browser: the Vipps MobilePay landing page / app. */
  redirectUrl: string;
}

// ---- Socket.IO ------------------------------------------------------------------------------

export const sessionJoinPayload = z.object({ sessionId: sessionIdSchema, token: sessionTokenSchema });
export const connectorJoinPayload = z.object({ connectorId: connectorIdSchema });
export const operatorJoinPayload = z.object({ token: z.string().max(200).optional() });

export type Ack<T> = (reply: { ok: true; data: T } | { ok: false; error: string }) => void;

export interface ClientToServerEvents {
  'session:join': (p: z.infer<typeof sessionJoinPayload>, ack: Ack<SessionView>) => void;
  'session:stop': (p: z.infer<typeof sessionJoinPayload>, ack: Ack<SessionView>) => void;
  'connector:join': (p: z.infer<typeof connectorJoinPayload>, ack: Ack<ConnectorView>) => void;
  'operator:join': (p: z.infer<typeof operatorJoinPayload>, ack: Ack<OperatorStationView[]>) => void;
}

export interface ServerToClientEvents {
  'session:update': (s: SessionView) => void;
  'connector:update': (c: { connectorId: string; status: ConnectorStatusWord; available: boolean; unavailableCode?: UnavailableCode }) => void;
  'station:update': (s: OperatorStationView) => void;
}

/** Room names, so both sides spell them the same way. */
export const rooms = {
  session: (id: string) => `session:${id}`,
  connector: (id: string) => `connector:${id}`,
  operators: 'operators'
} as const;

/**
 * What the SvelteKit server side can ask of plugpay's services, in-process. main.ts publishes
 * an implementation on `globalThis[PLUGPAY_BRIDGE]`; `src/hooks.server.ts` reads it into
 * `event.locals.plugpay`, so pages render server-side and form actions work before hydration.
 */
export const PLUGPAY_BRIDGE = Symbol.for('plugpay.bridge');

export type BridgeError = { status: 400 | 403 | 404 | 409 | 429 | 502 | 503; message: string };

/**
 * Where a page's request came from, as the server saw it: the connection's peer and the
 * X-Forwarded-For header. plugpay works out the device from it, by the same rules as for the API.
 */
export interface RequestOrigin {
  peer: string | undefined;
  forwardedFor: string | null;
}

/**
 * Where the pages' server side logs: plugpay's own pino logger (a child `{ module: 'web' }`), so
 * the pages' unexpected errors land in the same JSON log as the server's. A structural subset of
 * pino's Logger, so this module (shared with the browser) does not import pino.
 */
export interface BridgeLogger {
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface PlugpayBridge {
  /** plugpay's logger for the pages (hooks.server.ts: unexpected errors). */
  logger: BridgeLogger;
  connector(connectorId: string): Promise<ConnectorView | null>;
  startSession(body: StartSessionBody, from: RequestOrigin): Promise<StartSessionResult | BridgeError>;
  session(sessionId: string, token: string): Promise<SessionView | BridgeError>;
  stopSession(sessionId: string, token: string): Promise<SessionView | BridgeError>;
  /** The session holding a connector now, if any (server side only: never sent to a page). */
  sessionOnConnector(connectorId: string): Promise<string | null>;
  /** Where the owner of an unapproved payment approves it. */
  paymentUrl(sessionId: string, token: string): Promise<{ url: string } | BridgeError>;
  /** Cancels an unapproved payment (the owner changed their mind). */
  cancelPayment(sessionId: string, token: string): Promise<SessionView | BridgeError>;
  /** Cookie name holding a session's capability token. */
  sessionCookieName(sessionId: string): string;
}

// The live page's merge lives in a module without zod, so the browser does not load zod.
export { POWER_SERIES_POINTS, mergeSessionUpdate } from './session-update.js';
