/**
 * Every setting plugpay reads from the environment, validated once at start.
 * The README's configuration table lists the same names; keep the two together.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().positive();
const ore = z.coerce.number().int().positive();
/** Whether `tz` is a time zone this Node knows (Intl throws RangeError otherwise). */
function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
/** Shorter than 32 characters is too little to derive a 256-bit key from. */
const SECRET_MIN_LENGTH = 32;

/** The sandbox's own test credentials, used when no Vipps credentials are configured. */
export const SANDBOX_CREDENTIALS = {
  clientId: 'plugpay-sandbox',
  clientSecret: 'plugpay-sandbox-secret',
  subscriptionKey: 'plugpay-sandbox-key',
  merchantSerialNumber: '123456'
} as const;

const schema = z
  .object({
    PORT: port.default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: z.url().optional(),
    NODE_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, _ . - only').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),

    VIPPS_BASE_URL: z.url().optional(),
    VIPPS_CLIENT_ID: z.string().min(1).optional(),
    VIPPS_CLIENT_SECRET: z.string().min(1).optional(),
    VIPPS_SUBSCRIPTION_KEY: z.string().min(1).optional(),
    VIPPS_MSN: z.string().regex(/^[0-9]{4,6}$/, 'a Merchant Serial Number is 4 to 6 digits').optional(),
    VIPPS_SYSTEM_NAME: z.string().max(30).default('plugpay'),
    VIPPS_SYSTEM_VERSION: z.string().max(30).default('0.1.0'),
    /** Minutes a sandbox payment may wait for approval before it expires (Vipps: 10). */
    SANDBOX_EXPIRY_MINUTES: z.coerce.number().positive().default(10),

    SIM_CHARGERS: bool.optional(),
    SIM_CONFIG: z.string().min(1).optional(),

    OCPP_HEARTBEAT_SECONDS: seconds.default(300),
    OCPP_METER_INTERVAL_SECONDS: seconds.default(10),
    OCPP_START_TIMEOUT_SECONDS: seconds.default(60),
    OCPP_OFFLINE_GRACE_SECONDS: seconds.default(900),
    OCPP_STOP_DEADLINE_SECONDS: seconds.default(180),
    /** Reservations awaiting approval one client address may hold (raise it behind carrier NAT). */
    RESERVATIONS_PER_DEVICE: z.coerce.number().int().min(1).max(1000).default(2),
    /** A reservation still held this many hours after its session began raises an alert. */
    RESERVATION_ALERT_HOURS: z.coerce.number().positive().max(24 * 14).default(24),
    /** Reverse proxies in front of plugpay whose X-Forwarded-For may be believed (0: none). */
    TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),

    RESERVE_DEFAULT_ORE: ore.default(35000),
    RESERVE_MIN_ORE: ore.default(10000),
    RESERVE_MAX_ORE: ore.default(100000),
    RESERVE_PRESETS_ORE: z
      .string()
      .regex(/^\d+(,\d+)*$/, 'comma-separated øre amounts, e.g. 20000,35000,50000')
      .default('20000,35000,50000'),
    TERMS_URL: z.string().min(1).default('/terms'),
    MEMBER_TIME_ZONE: z.string().refine(validTimeZone, 'an IANA time zone, e.g. Europe/Oslo').default('Europe/Oslo'),
    MEMBER_DAILY_CHARGE_TIME: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour').default('01:00'),
    MEMBER_CHARGE_DUE_DAYS: z.coerce.number().int().min(1).max(30).default(1),
    MEMBER_CHARGE_RETRY_DAYS: z.coerce.number().int().min(0).max(14).default(2),
    MEMBER_LIMIT_PRESETS_ORE: z
      .string()
      .regex(/^\d+(,\d+)*$/, 'comma-separated øre amounts, e.g. 50000,150000,300000')
      .default('50000,150000,300000'),
    MEMBER_LIMIT_DEFAULT_ORE: z.coerce.number().int().min(100).max(2_000_000).default(150000),
    MEMBER_PRODUCT_NAME: z.string().min(1).max(45).default('Charging with plugpay'),
    MEMBER_TICK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    MEMBER_SCHEDULER: bool.default(true),
    VIPPS_LOGIN_AUTH_METHOD: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    /** Who sells the charging, as the receipt names them (the operator's legal name). */
    SELLER_NAME: z.string().trim().min(1).max(100).default('plugpay demo AS'),
    /** The seller's organisation number, printed on the receipt (Norway: 9 digits). */
    SELLER_ORG_NUMBER: z.string().trim().regex(/^[0-9A-Za-z -]{4,20}$/, 'an organisation number, e.g. 999 999 999').default('999 999 999'),
    OPERATOR_TOKEN: z.string().min(8).optional(),
    /** A tile server for the operators' map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; unset: outlines only. */
    MAP_TILE_URL: z
      .string()
      .regex(/^https?:\/\/[^\s]*\{z\}[^\s]*\{x\}[^\s]*\{y\}[^\s]*$/, 'an http(s) URL template with {z}, {x} and {y}')
      .optional(),
    MAP_TILE_ATTRIBUTION: z.string().max(300).optional(),
    PLUGPAY_SECRET: z.string().min(SECRET_MIN_LENGTH, `must be at least ${SECRET_MIN_LENGTH} characters`).optional()
  })
  .superRefine((c, ctx) => {
    const creds = [c.VIPPS_CLIENT_ID, c.VIPPS_CLIENT_SECRET, c.VIPPS_SUBSCRIPTION_KEY, c.VIPPS_MSN];
    if (c.VIPPS_BASE_URL && creds.some((v) => v === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['VIPPS_BASE_URL'],
        message:
          'with VIPPS_BASE_URL set, VIPPS_CLIENT_ID, VIPPS_CLIENT_SECRET, VIPPS_SUBSCRIPTION_KEY and VIPPS_MSN are required'
      });
    }
    if (c.VIPPS_BASE_URL && !c.OPERATOR_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['OPERATOR_TOKEN'],
        message: 'is required with real Vipps credentials: the operator console must not be open to everyone'
      });
    }
    if (c.VIPPS_BASE_URL && !c.PLUGPAY_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['PLUGPAY_SECRET'],
        message:
          'is required with real Vipps credentials: it keeps the webhook secret encrypted in the database and signs receipt links, and every node needs the same one'
      });
    }
    if (c.RESERVE_MIN_ORE > c.RESERVE_MAX_ORE) {
      ctx.addIssue({ code: 'custom', path: ['RESERVE_MIN_ORE'], message: 'must not exceed RESERVE_MAX_ORE' });
    }
    if (c.RESERVE_DEFAULT_ORE < c.RESERVE_MIN_ORE || c.RESERVE_DEFAULT_ORE > c.RESERVE_MAX_ORE) {
      ctx.addIssue({ code: 'custom', path: ['RESERVE_DEFAULT_ORE'], message: 'must lie between RESERVE_MIN_ORE and RESERVE_MAX_ORE' });
    }
  });

export type Env = z.input<typeof schema>;

export interface Config {
  port: number;
  host: string;
  /** The address drivers' phones and Vipps reach plugpay on; no trailing slash. */
  publicUrl: string;
  /** False when PUBLIC_URL was not set and publicUrl is the localhost default. */
  publicUrlSet: boolean;
  nodeId: string;
  logLevel: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  vipps: {
    /** True when plugpay serves its own Vipps MobilePay sandbox and talks to it. */
    sandbox: boolean;
    baseUrl: string;
    clientId: string;
    clientSecret: string;
    subscriptionKey: string;
    merchantSerialNumber: string;
    systemName: string;
    systemVersion: string;
    sandboxExpiryMinutes: number;
  };
  sim: { chargers: boolean; configPath?: string };
  ocpp: { heartbeatSeconds: number; meterIntervalSeconds: number; startTimeoutSeconds: number; offlineGraceSeconds: number; stopDeadlineSeconds: number };
  /** How many reverse proxies' X-Forwarded-For hops to believe when telling clients apart (rate limits). */
  trustedProxies: number;
  /** Reservations awaiting approval one client (IPv4 address, IPv6 /64) may hold at a time. */
  reservationsPerDevice: number;
  /** Hours after which a reservation still held is an alert (ReservationWatch). */
  reservationAlertHours: number;
  reserve: { defaultOre: number; minOre: number; maxOre: number; presetsOre: number[] };
  termsUrl: string;
  /** Pay-as-you-go membership (Vipps Login + a daily Recurring agreement). */
  members: {
    timeZone: string;
    /** HH:MM local: when the daily charge runs for the day before. */
    dailyChargeTime: string;
    chargeDueDays: number;
    chargeRetryDays: number;
    limitPresetsOre: number[];
    limitDefaultOre: number;
    productName: string;
    tickSeconds: number;
    scheduler: boolean;
    loginAuthMethod: 'client_secret_basic' | 'client_secret_post';
  };
  /** The seller on receipts: legal name and organisation number. */
  seller: { name: string; orgNumber: string };
  operatorToken?: string;
  /** The operators' map: an optional tile server (MAP_TILE_URL) and its attribution. */
  map: { tileUrl?: string; tileAttribution?: string };
  /**
   * The server secret (PLUGPAY_SECRET, or in demo mode one generated into DATA_DIR). Keys are
   * derived from it for what must not be recoverable from a copy of the database: the sealed
   * webhook secret and receipt-link tokens. It is never stored in the database.
   */
  secret: Buffer;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Where demo mode finds its server secret when PLUGPAY_SECRET is unset; tests replace it. */
export interface ConfigIo {
  demoSecret(dataDir: string): Buffer;
}

/** Reads and validates the configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, io: ConfigIo = { demoSecret }): Config {
  // Empty strings mean "not set", as they do in most shells and .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const c = parsed.data;
  const publicUrl = (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '');
  const sandbox = c.VIPPS_BASE_URL === undefined;
  const presets = c.RESERVE_PRESETS_ORE.split(',').map(Number);
  const badPreset = presets.find((p) => p < c.RESERVE_MIN_ORE || p > c.RESERVE_MAX_ORE);
  if (badPreset !== undefined) {
    throw new ConfigError([`RESERVE_PRESETS_ORE: ${badPreset} lies outside RESERVE_MIN_ORE..RESERVE_MAX_ORE`]);
  }
  const memberPresets = c.MEMBER_LIMIT_PRESETS_ORE.split(',').map(Number);
  const badMemberPreset = memberPresets.find((p) => p < 100 || p > 2_000_000);
  if (badMemberPreset !== undefined) throw new ConfigError([`MEMBER_LIMIT_PRESETS_ORE: ${badMemberPreset} lies outside 100..2000000 (Recurring's suggestedMaxAmount)`]);
  return {
    port: c.PORT,
    host: c.HOST,
    publicUrl,
    publicUrlSet: c.PUBLIC_URL !== undefined,
    // Stable across restarts, so a restarted node can take back what it held (chargers, job leases).
    nodeId: c.NODE_ID ?? (hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40) || 'plugpay'),
    logLevel: c.LOG_LEVEL,
    dataDir: c.DATA_DIR,
    databaseUrl: c.DATABASE_URL,
    redisUrl: c.REDIS_URL,
    vipps: {
      sandbox,
      // The embedded sandbox is reached over loopback on plugpay's own port.
      baseUrl: (c.VIPPS_BASE_URL ?? `http://127.0.0.1:${c.PORT}/sandbox/vipps`).replace(/\/+$/, ''),
      clientId: c.VIPPS_CLIENT_ID ?? SANDBOX_CREDENTIALS.clientId,
      clientSecret: c.VIPPS_CLIENT_SECRET ?? SANDBOX_CREDENTIALS.clientSecret,
      subscriptionKey: c.VIPPS_SUBSCRIPTION_KEY ?? SANDBOX_CREDENTIALS.subscriptionKey,
      merchantSerialNumber: c.VIPPS_MSN ?? SANDBOX_CREDENTIALS.merchantSerialNumber,
      systemName: c.VIPPS_SYSTEM_NAME,
      systemVersion: c.VIPPS_SYSTEM_VERSION,
      sandboxExpiryMinutes: c.SANDBOX_EXPIRY_MINUTES
    },
    sim: { chargers: c.SIM_CHARGERS ?? sandbox, configPath: c.SIM_CONFIG },
    ocpp: {
      heartbeatSeconds: c.OCPP_HEARTBEAT_SECONDS,
      meterIntervalSeconds: c.OCPP_METER_INTERVAL_SECONDS,
      startTimeoutSeconds: c.OCPP_START_TIMEOUT_SECONDS,
      offlineGraceSeconds: c.OCPP_OFFLINE_GRACE_SECONDS,
      stopDeadlineSeconds: c.OCPP_STOP_DEADLINE_SECONDS
    },
    trustedProxies: c.TRUSTED_PROXIES,
    reservationsPerDevice: c.RESERVATIONS_PER_DEVICE,
    reservationAlertHours: c.RESERVATION_ALERT_HOURS,
    reserve: { defaultOre: c.RESERVE_DEFAULT_ORE, minOre: c.RESERVE_MIN_ORE, maxOre: c.RESERVE_MAX_ORE, presetsOre: presets },
    termsUrl: c.TERMS_URL,
    members: {
      timeZone: c.MEMBER_TIME_ZONE,
      dailyChargeTime: c.MEMBER_DAILY_CHARGE_TIME,
      chargeDueDays: c.MEMBER_CHARGE_DUE_DAYS,
      chargeRetryDays: c.MEMBER_CHARGE_RETRY_DAYS,
      limitPresetsOre: memberPresets,
      limitDefaultOre: c.MEMBER_LIMIT_DEFAULT_ORE,
      productName: c.MEMBER_PRODUCT_NAME,
      tickSeconds: c.MEMBER_TICK_SECONDS,
      scheduler: c.MEMBER_SCHEDULER,
      loginAuthMethod: c.VIPPS_LOGIN_AUTH_METHOD
    },
    seller: { name: c.SELLER_NAME, orgNumber: c.SELLER_ORG_NUMBER },
    operatorToken: c.OPERATOR_TOKEN,
    map: { tileUrl: c.MAP_TILE_URL, tileAttribution: c.MAP_TILE_ATTRIBUTION },
    // Real Vipps always has PLUGPAY_SECRET (the schema requires it); only demo mode makes one up.
    secret: c.PLUGPAY_SECRET !== undefined ? Buffer.from(c.PLUGPAY_SECRET, 'utf8') : io.demoSecret(c.DATA_DIR)
  };
}

/** One per process, for stores that live in memory and so outlive no restart either. */
let processSecret: Buffer | undefined;

/**
 * Demo mode's server secret when PLUGPAY_SECRET is unset: generated once into
 * `<DATA_DIR>/secret.key` (mode 0600) and read from there on every later start, so sealed values
 * and receipt links survive restarts. Its text works as a PLUGPAY_SECRET, too. An in-memory
 * DATA_DIR (`memory://…`, tests) gets a random secret per process instead.
 */
export function demoSecret(dataDir: string): Buffer {
  if (dataDir.startsWith('memory://')) return (processSecret ??= Buffer.from(randomBytes(32).toString('base64url'), 'utf8'));
  const file = join(dataDir, 'secret.key');
  try {
    mkdirSync(dataDir, { recursive: true });
    // 'wx' creates the file only if it is not there yet: of two processes starting at once, one
    // writes and the other reads what it wrote.
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConfigError([`PLUGPAY_SECRET: cannot create ${file}: ${(err as Error).message}`]);
  }
  let text: string;
  try {
    // Like ssh with its keys: a secret others can read is no secret, so refuse rather than use it.
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
      throw new ConfigError([`PLUGPAY_SECRET: ${file} can be read by other users; chmod 600 it`]);
    }
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([`PLUGPAY_SECRET: cannot read ${file}: ${(err as Error).message}`]);
  }
  if (text.length < SECRET_MIN_LENGTH) throw new ConfigError([`PLUGPAY_SECRET: ${file} must hold at least ${SECRET_MIN_LENGTH} characters`]);
  return Buffer.from(text, 'utf8');
}
