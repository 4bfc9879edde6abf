/**
 * A local, faithful sandbox of the Vipps MobilePay merchant APIs, so plugpay runs and is tested
 * with no internet. Routes are relative, so it can be mounted anywhere:
 *
 * @example
 * const sandbox = createVippsSandbox({ publicBaseUrl: 'http://localhost:3000/sandbox/vipps' });
 * parent.route('/sandbox/vipps', sandbox.app);
 * // …later
 * await sandbox.close();
 *
 * One router module per API (auth, epayment, webhooks, qr, order-management, app page); a new
 * API (Recurring v3, Login/OIDC) is one more `xxxRoutes(ctx)` mounted below, sharing `ctx`.
 */
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { silentLogger } from '../../log.js';
import { appPageRoutes } from './app-page.js';
import { accessTokenRoutes } from './auth.js';
import type { SandboxContext, SandboxCredentials } from './context.js';
import { epaymentRoutes } from './epayment.js';
import { Faults, faultRoutes } from './faults.js';
import { orderManagementRoutes } from './order-management.js';
import { expireDue } from './payments.js';
import { pushInboxRoutes } from './push-inbox.js';
import { qrRoutes } from './qr.js';
import { loginRoutes } from './login.js';
import { recurringRoutes } from './recurring.js';
import { recurringAppPageRoutes } from './recurring-app-page.js';
import { advanceClock } from './recurring-state.js';
import { StateStore, type SandboxState } from './state.js';
import { WebhookDispatcher, webhookRoutes } from './webhooks.js';

export const DEFAULT_CREDENTIALS: SandboxCredentials = {
  clientId: 'plugpay-sandbox',
  clientSecret: 'plugpay-sandbox-secret',
  subscriptionKey: 'plugpay-sandbox-key',
  merchantSerialNumber: '123456',
};

export interface VippsSandboxOptions {
  /** absolute URL where browsers reach the sandbox, e.g. http://localhost:3000/sandbox/vipps */
  publicBaseUrl: string;
  credentials?: SandboxCredentials;
  /** JSON persistence; absent = memory only */
  stateFile?: string;
  /** how long a CREATED payment waits for the user (KB timeouts: 10 min) */
  expiryMs?: number;
  /** access token lifetime (test environment: 1 h) */
  tokenTtlSeconds?: number;
  now?: () => Date;
  /** used for webhook delivery */
  fetch?: typeof fetch;
  logger?: Logger;
  /** first webhook retry delay, doubled per attempt (default 1000 ms) */
  webhookRetryBaseMs?: number;
  /** webhook attempts before giving up (default 12) */
  webhookMaxAttempts?: number;
  /** per-attempt webhook timeout (WHD: 10 s) */
  webhookTimeoutMs?: number;
  /** how long a delivery picked for a "reorder" fault waits for the next one (default 2000 ms) */
  webhookReorderHoldMs?: number;
  /** shown on the app page */
  merchantName?: string;
  /** where servers (not browsers) reach the sandbox: the Login issuer and token endpoint; default publicBaseUrl */
  apiBaseUrl?: string;
  /** Login redirect URIs registered for the client (exact match); absent = any https or loopback URL */
  loginRedirectUris?: string[];
}

export interface VippsSandbox {
  app: Hono;
  state: SandboxState;
  faults: Faults;
  /** moves the Recurring day clock forward and processes the charges that came due */
  advanceRecurringClock(ms: number): void;
  /** resolves when no webhook delivery is pending */
  flushWebhooks(): Promise<void>;
  /** stop timers and deliveries, release hanging calls, write the state file */
  close(): Promise<void>;
}

export function createVippsSandbox(opts: VippsSandboxOptions): VippsSandbox {
  const store = new StateStore(opts.stateFile);
  const now = opts.now ?? (() => new Date());
  const logger = opts.logger ?? silentLogger;
  const faults = new Faults();
  const dispatcher = new WebhookDispatcher({
    store,
    fetch: opts.fetch ?? globalThis.fetch,
    now,
    logger,
    faults,
    retryBaseMs: opts.webhookRetryBaseMs ?? 1000,
    maxAttempts: opts.webhookMaxAttempts ?? 12,
    timeoutMs: opts.webhookTimeoutMs ?? 10_000,
    reorderHoldMs: opts.webhookReorderHoldMs ?? 2000,
  });
  dispatcher.resume();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const ctx: SandboxContext = {
    credentials: opts.credentials ?? DEFAULT_CREDENTIALS,
    publicBaseUrl: opts.publicBaseUrl.replace(/\/+$/, ''),
    store,
    now,
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600,
    expiryMs: opts.expiryMs ?? 10 * 60 * 1000,
    merchantName: opts.merchantName ?? 'plugpay',
    logger,
    faults,
    publishPaymentEvent: (p, e) => dispatcher.publishPaymentEvent(p, e),
    publishEvent: (msn, type, subject, payload) => dispatcher.publish(msn, type, subject, payload),
    scheduleExpiry: (p) => {
      if (closed) return;
      // Timer on the wall clock so EXPIRED (and its webhook) fires even if nobody polls;
      // reads also expire lazily against `now()`.
      const t = setTimeout(() => {
        timers.delete(t);
        expireDue(ctx);
      }, Math.max(0, Date.parse(p.expiresAt) - now().getTime()) + 5);
      t.unref();
      timers.add(t);
    },
  };

  // Payments restored from the state file still expire on time.
  for (const p of Object.values(store.data.payments)) if (p.state === 'CREATED') ctx.scheduleExpiry(p);

  const app = new Hono();
  app.use('*', faults.middleware());
  app.route('/', faultRoutes(faults));
  app.route('/', accessTokenRoutes(ctx));
  app.route('/', epaymentRoutes(ctx));
  app.route('/', webhookRoutes(ctx));
  app.route('/', qrRoutes(ctx));
  app.route('/', orderManagementRoutes(ctx));
  app.route('/', appPageRoutes(ctx));
  app.route('/', recurringRoutes(ctx));
  app.route('/', recurringAppPageRoutes(ctx));
  app.route('/', loginRoutes(ctx, { apiBaseUrl: opts.apiBaseUrl ?? ctx.publicBaseUrl, redirectUris: opts.loginRedirectUris }));
  app.route('/', pushInboxRoutes(ctx));
  app.get('/', (c) => c.text(`Vipps MobilePay sandbox. MSN ${ctx.credentials.merchantSerialNumber}. Pending push payments: ${ctx.publicBaseUrl}/app\n`));
  app.onError((err, c) => {
    logger.error({ err, path: c.req.path }, 'sandbox route failed');
    return c.json({ title: 'Internal Server Error', status: 500, detail: 'The sandbox failed to handle this request.' }, 500);
  });

  return {
    app,
    state: store.data,
    faults,
    advanceRecurringClock: (ms) => advanceClock(ctx, ms),
    flushWebhooks: () => dispatcher.flush(),
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      dispatcher.close();
      faults.releaseHangs();
      store.flush(true);
    },
  };
}
