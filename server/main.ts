/**
 * The composition root: config → store → adapters → services → one HTTP server on one port
 * (PWA, API, Socket.IO, OCPP, webhooks, and in demo mode the Vipps MobilePay sandbox and a
 * simulated charger fleet).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import compression from 'compression';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { PLUGPAY_BRIDGE, type BridgeError, type PlugpayBridge, type RequestOrigin } from '../src/lib/shared/api.js';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import { createOcppGateway, type OcppGateway } from './chargers/gateway.js';
import { createRedisRelay } from './chargers/redis-relay.js';
import type { ChargerCommands } from './chargers/port.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createApi, createWebhookRoutes, defaultApiLimits, sessionCookieName } from './http/app.js';
import { clientAddress, clientKey } from './http/client-address.js';
import { StartGuard } from './http/start-guard.js';
import { createPosApi } from './http/pos-api.js';
import { createCounter, isCounterReference } from './pos/counter.js';
import { operatorAllowed } from './sessions/operator-access.js';
import { createOperatorConsole } from './operators/console.js';
import { OPERATOR_BRIDGE } from '../src/lib/shared/operator-api.js';
import { OutboxWorker } from './jobs/worker.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, measuredFetch, type Metrics } from './metrics.js';
import { VippsClient } from './payments/vipps/client.js';
import { VippsPayments } from './payments/vipps-payments.js';
import { VippsWebhookIntake } from './payments/webhook-intake.js';
import { ensureWebhookRegistration, sealedRegistrationStore } from './payments/webhook-setup.js';
import { createRealtime } from './realtime/socket.js';
import { ChargerAdmin } from './sessions/charger-admin.js';
import { ChargingService, ServiceError } from './sessions/charging-service.js';
import { systemClock, type Clock } from './sessions/ports.js';
import { ReservationWatch } from './sessions/reservation-watch.js';
import { SessionRepository } from './store/session-repository.js';
import { openDb, type Db } from './store/db.js';
import { migrate } from './store/migrations.js';
import { SettingsRepository } from './store/settings-repository.js';
import { createVippsSandbox } from './sim/vipps/sandbox.js';
import { createMembership, type Membership } from './members/membership.js';
import { createChargerFleet, loadFleetConfig, type SimChargerConfig } from './sim/charger/fleet.js';
import { DEMO_CHARGER_PASSWORD, demoChargers, seedDemo, seedFleet, type DemoCharger } from './sim/demo.js';

// The repository root, where build/ (the PWA) lives: one level up from this file when it runs
// from source (server/main.ts), two when it runs compiled (dist/server/main.js, see `npm run build`).
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), import.meta.url.endsWith('.ts') ? '..' : '../..');

export interface StartOptions {
  config: Config;
  logger?: Logger;
  clock?: Clock;
  /** Publish the in-process bridge for the SvelteKit pages (one plugpay per process). Default true. */
  bridge?: boolean;
  /** Serve the built PWA from build/ (default true; tests of the API alone may skip it). */
  pages?: boolean;
  /** Which demo chargers the simulated fleet runs (default: all of them). */
  demoChargers?: DemoCharger[];
}

export interface Plugpay {
  url: string;
  port: number;
  config: Config;
  db: Db;
  charging: ChargingService;
  gateway: OcppGateway;
  worker: OutboxWorker;
  sandbox?: Awaited<ReturnType<typeof createVippsSandbox>>;
  fleet?: Awaited<ReturnType<typeof createChargerFleet>>;
  realtime: ReturnType<typeof createRealtime>;
  metrics: Metrics;
  membership: Membership;
  /** Demo mode's admin login (printed by the banner). */
  demoLogin?: { username: string; password: string };
  close(): Promise<void>;
}

const PROTO_HEADER = 'x-plugpay-proto';

/** http or https as the browser sees it: a TLS socket, or a proxy's X-Forwarded-Proto. */
function forwardedProto(req: IncomingMessage): string {
  const fwd = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim();
  if (fwd === 'http' || fwd === 'https') return fwd;
  return (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

async function loadPages(logger: Logger, trustedProxies: number): Promise<NodeHandler | null> {
  const file = join(ROOT, 'build', 'handler.js');
  if (!existsSync(file)) {
    logger.warn('the PWA is not built (build/handler.js is missing): run `npm run build` or `npm start`');
    return null;
  }
  // adapter-node reads these when its handler is imported. Without ORIGIN it would take every
  // request for https (refusing plain-http form posts as cross-site); instead the protocol comes
  // from a header plugpay sets on each request (see forwardedProto), and the host from Host.
  if (!process.env.ORIGIN) process.env.PROTOCOL_HEADER ??= PROTO_HEADER;
  // The pages' client address (staff sign-in limits): behind TRUSTED_PROXIES proxies, the hop
  // they saw, as the API counts it; otherwise the socket's peer.
  if (trustedProxies > 0) {
    process.env.ADDRESS_HEADER ??= 'x-forwarded-for';
    process.env.XFF_DEPTH ??= String(trustedProxies);
  }
  const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { handler: NodeHandler };
  return mod.handler;
}

function bridgeError(err: unknown): BridgeError {
  if (err instanceof ServiceError) return { status: err.status, message: err.message };
  throw err;
}

export async function startPlugpay(opts: StartOptions): Promise<Plugpay> {
  const config = opts.config;
  const logger = opts.logger ?? createLogger(config.logLevel, { node: config.nodeId });
  const clock = opts.clock ?? systemClock;

  // --- store
  // The embedded store runs on a thread of its own, beside the event loop (docs/decisions/026).
  const db = await openDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    thread: true,
    // Without its store plugpay can neither take nor settle a payment. Money state is committed
    // before money moves, so stopping is safe, and a supervisor's restart is the way back.
    onThreadLost: (err) => {
      logger.fatal({ err }, "the embedded store's thread stopped; plugpay exits");
      process.exit(70);
    }
  });
  await migrate(db);
  const pidFile = !config.databaseUrl && !config.dataDir.startsWith('memory://') ? join(config.dataDir, 'plugpay.pid') : undefined;

  // --- one HTTP server; the handler is installed once everything is wired.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('plugpay is starting');
  };
  const httpServer = createServer((req, res) => handle(req, res));
  await new Promise<void>((ok, fail) => {
    httpServer.once('error', fail);
    httpServer.listen(config.port, config.host, () => ok());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const publicUrl = config.publicUrlSet ? config.publicUrl : `http://localhost:${port}`;
  // How this process reaches itself (embedded sandbox, its webhooks, the demo fleet): loopback,
  // unless it listens on one particular address only.
  const selfHost = ['0.0.0.0', '::', '127.0.0.1', 'localhost'].includes(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const loopback = `http://${selfHost}:${port}`;
  const persistent = !config.dataDir.startsWith('memory://');
  if (pidFile) {
    mkdirSync(dirname(pidFile), { recursive: true });
    writeFileSync(pidFile, JSON.stringify({ pid: process.pid, port, url: loopback }));
  }

  // --- payments: the embedded sandbox in demo mode, the configured Vipps host otherwise
  const sandbox = config.vipps.sandbox
    ? await createVippsSandbox({
        publicBaseUrl: `${publicUrl}/sandbox/vipps`,
        apiBaseUrl: `${loopback}/sandbox/vipps`,
        // Kept in DATA_DIR even with DATABASE_URL: plugpay's records and the sandbox's must agree.
        stateFile: persistent ? join(config.dataDir, 'vipps-sandbox.json') : undefined,
        expiryMs: config.vipps.sandboxExpiryMinutes * 60_000,
        // Payments, tokens, agreements and charges are dated on plugpay's one clock: a charge plugpay
        // plans for its today is due by the sandbox's, and its webhooks' x-ms-date pass the check.
        now: () => clock.now(),
        logger: logger.child({ component: 'sandbox' })
      })
    : undefined;
  // Metrics read their figures from the services when scraped; the services exist just below.
  let charging!: ChargingService;
  let gateway!: OcppGateway;
  const metrics: Metrics = createMetrics({
    sessionsByState: () => charging.sessionCounts(),
    outboxDepth: () => charging.outboxDepth(),
    ocppConnections: () => gateway?.connectedIds().length ?? 0,
    liveSessions: () => charging?.live.size ?? 0
  });
  const vipps = new VippsClient({
    ...config.vipps,
    baseUrl: sandbox ? `${loopback}/sandbox/vipps` : config.vipps.baseUrl,
    logger,
    fetch: measuredFetch((input, init) => globalThis.fetch(input, init), metrics),
    // Token expiry and Retry-After are counted on plugpay's one clock.
    now: () => clock.now().getTime()
  });
  const payments = new VippsPayments({ epayment: vipps.epayment, orderManagement: vipps.orderManagement, webhooks: vipps.webhooks });

  // --- services and the charger gateway (each needs the other: commands are forwarded)
  const chargers: ChargerCommands = {
    remoteStart: (...a) => gateway.commands.remoteStart(...a),
    remoteStop: (...a) => gateway.commands.remoteStop(...a),
    changeConfiguration: (...a) => gateway.commands.changeConfiguration(...a),
    triggerMessage: (...a) => gateway.commands.triggerMessage(...a),
    changeAvailability: (...a) => gateway.commands.changeAvailability(...a),
    reset: (...a) => gateway.commands.reset(...a),
    unlockConnector: (...a) => gateway.commands.unlockConnector(...a),
    isConnected: (...a) => gateway.commands.isConnected(...a)
  };
  charging = new ChargingService({
    db,
    payments,
    chargers,
    logger: logger.child({ component: 'sessions' }),
    clock,
    secret: config.secret,
    settings: {
      publicUrl,
      meterIntervalSeconds: config.ocpp.meterIntervalSeconds,
      startTimeoutSeconds: config.ocpp.startTimeoutSeconds,
      offlineGraceSeconds: config.ocpp.offlineGraceSeconds,
      stopDeadlineSeconds: config.ocpp.stopDeadlineSeconds,
      reserve: config.reserve,
      termsUrl: config.termsUrl,
      seller: config.seller
    }
  });
  // --- several nodes: charger commands reach the node that holds the charger's socket through
  // Redis, and Socket.IO rooms span nodes through the Redis Streams adapter.
  const relay = config.redisUrl ? await createRedisRelay({ url: config.redisUrl, nodeId: config.nodeId, logger }) : undefined;
  const redisClient = config.redisUrl ? createClient({ url: config.redisUrl }) : undefined;
  if (redisClient) {
    redisClient.on('error', (err) => logger.warn({ err }, 'redis error'));
    await redisClient.connect();
  }
  gateway = await createOcppGateway({
    relay,
    db,
    listener: charging,
    logger: logger.child({ component: 'ocpp' }),
    nodeId: config.nodeId,
    heartbeatSeconds: config.ocpp.heartbeatSeconds,
    meterIntervalSeconds: config.ocpp.meterIntervalSeconds,
    clock: () => clock.now()
  });
  charging.hooks.stopUnconfirmed = () => metrics.alerts.inc({ kind: 'stop-unconfirmed' });
  charging.hooks.meterPublished = (ms) => metrics.meterLag.observe(ms / 1000);
  charging.hooks.anomalies = (_id, kinds) => kinds.forEach((kind) => metrics.chargerAnomalies.inc({ kind }));
  const worker = new OutboxWorker({
    db,
    runner: charging,
    logger: logger.child({ component: 'worker' }),
    clock,
    nodeId: config.nodeId,
    onOutcome: (job, outcome) => {
      metrics.outboxAttempts.inc({ kind: job.kind, outcome });
      if (outcome === 'dead' && !job.deadAt) metrics.alerts.inc({ kind: 'dead-letter' });
    }
  });
  charging.onWorkQueued(() => worker.wake());
  const counter = createCounter({ db, vipps, clock, logger, merchantName: 'plugpay' });
  // Counter sales have their own references (pos-…); everything else is a charging session.
  const intake = new VippsWebhookIntake({
    onNotification: (n) => (isCounterReference(n.reference) ? counter.sales.onPaymentNotification(n) : charging.onPaymentNotification(n)),
    logger,
    // A delivery's age is judged on plugpay's one clock.
    now: () => clock.now().getTime()
  });
  const vippsBaseUrl = sandbox ? `${loopback}/sandbox/vipps` : config.vipps.baseUrl;
  const membership = createMembership({ config, db, clock, logger, vipps, payments, charging, publicUrl, vippsBaseUrl, webhookBaseUrl: sandbox ? loopback : publicUrl });
  let ready = false;

  const chargerAdmin = new ChargerAdmin({ db, logger });
  const operators = await createOperatorConsole({
    db, charging, chargers, clock, logger, secret: config.secret, operatorToken: config.operatorToken, map: config.map, demo: config.vipps.sandbox,
    wakeWorker: () => worker.wake(),
    qr: vipps.qr,
    chargerAdmin
  });

  // --- HTTP
  const app = new Hono();
  const startLimits = { ...defaultApiLimits, reservationsPerWindow: config.reservationsPerDevice };
  const startGuard = new StartGuard(startLimits, (ids) => charging.awaitingPayment(ids));
  const deviceOf = (from: RequestOrigin) => clientKey(clientAddress(from.peer, from.forwardedFor ?? undefined, config.trustedProxies));
  app.route(
    '/api',
    createApi({
      startGuard,
      charging,
      chargerAdmin,
      logger,
      operatorToken: config.operatorToken,
      ready: () => ready,
      trustedProxies: config.trustedProxies,
      pos: createPosApi({ ...counter, charging, logger, staff: { ...operators.staff, operatorToken: config.operatorToken } }),
      staff: operators.staff,
      operatorApi: operators.api
    })
  );
  app.route('/api/member', membership.api);
  app.route('/webhooks', createWebhookRoutes({ webhooks: intake, logger }));
  app.route('/webhooks/vipps-recurring', membership.webhooks);
  if (sandbox) app.route('/sandbox/vipps', sandbox.app);
  // Prometheus scrapes here; with OPERATOR_TOKEN set it must send it as a bearer token.
  app.get('/metrics', async (c) => {
    const auth = c.req.header('authorization');
    if (!operatorAllowed(auth?.startsWith('Bearer ') ? auth.slice(7) : undefined, config.operatorToken)) {
      return c.json({ title: 'Forbidden', status: 403, detail: 'Metrics need the operator token as a bearer token.' }, 403, { 'content-type': 'application/problem+json' });
    }
    return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
  });
  const honoListener = getRequestListener(app.fetch);
  const pages = opts.pages === false ? null : await loadPages(logger, config.trustedProxies);
  const ownPaths = /^\/(api|webhooks|sandbox|metrics)(\/|$|\?)/;
  // Pages' HTML is compressed on the way out (gzip or deflate, as the phone accepts; built
  // assets come precompressed from the build).
  const compress = compression({ threshold: 1024 });
  handle = (req, res) => {
    const path = req.url ?? '/';
    if (ownPaths.test(path) || !pages) return void honoListener(req, res);
    req.headers[PROTO_HEADER] = forwardedProto(req);
    compress(req as Parameters<typeof compress>[0], res as Parameters<typeof compress>[1], () => pages(req, res, () => honoListener(req, res)));
  };

  // --- realtime and OCPP share the server's upgrade event
  const realtime = createRealtime({
    httpServer,
    charging,
    logger,
    operatorToken: config.operatorToken,
    staffAllowed: operators.socketAllowed,
    trustedProxies: config.trustedProxies,
    adapter: redisClient ? createAdapter(redisClient) : undefined
  });
  charging.setNotifier(realtime.notifier);
  httpServer.on('upgrade', (req, socket, head) => {
    if (gateway.handleUpgrade(req, socket, head)) return;
    if (!(req.url ?? '').startsWith('/socket.io/')) socket.destroy();
  });

  // --- the pages' in-process bridge
  if (opts.bridge !== false) {
    const bridge: PlugpayBridge = {
      logger: logger.child({ module: 'web' }),
      connector: (id) => charging.connectorView(id),
      // The landing page's form obeys the same per-device start rules as POST /api/sessions.
      startSession: async (body, from) => {
        const device = deviceOf(from);
        const attempt = await startGuard.attempt(device);
        if (!attempt.ok) return { status: 429, message: attempt.detail };
        const held = await startGuard.hold(device);
        if (!held.ok) return { status: 429, message: held.detail };
        const started = await charging.startSession(body).catch(bridgeError);
        if ('status' in started) startGuard.release(device);
        else startGuard.confirm(device, started.sessionId);
        return started;
      },
      session: (id, token) => charging.sessionView(id, token).catch(bridgeError),
      stopSession: (id, token) => charging.stopSession(id, token).catch(bridgeError),
      sessionOnConnector: (connectorId) => charging.sessionOnConnector(connectorId),
      paymentUrl: (id, token) =>
        charging.paymentUrl(id, token).then(
          (url) => ({ url }),
          (err) => bridgeError(err)
        ),
      cancelPayment: (id, token) => charging.cancelPayment(id, token).catch(bridgeError),
      sessionCookieName
    };
    (globalThis as Record<symbol, unknown>)[PLUGPAY_BRIDGE] = bridge;
    (globalThis as Record<symbol, unknown>)[OPERATOR_BRIDGE] = operators.bridge;
  }

  // --- webhooks, reconciliation, worker
  const settings = new SettingsRepository();
  const webhookUrl = `${sandbox ? loopback : publicUrl}/webhooks/vipps`;
  // Nodes starting together take turns (an advisory lock), so they end up sharing one secret.
  await db
    .transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(7432002)');
      return ensureWebhookRegistration({
        payments,
        webhooks: vipps.webhooks,
        url: webhookUrl,
        ...sealedRegistrationStore({ serverSecret: config.secret, logger, read: () => settings.get(tx, 'vipps.webhook'), write: (v) => settings.set(tx, 'vipps.webhook', v) })
      });
    })
    .then((reg) => intake.setRegistration(reg))
    .catch((err) => logger.error({ err, webhookUrl }, 'could not register the Vipps webhook; payments are followed by polling only'));
  await worker.recover();
  await charging.reconcile().catch((err) => logger.error({ err }, 'start-up reconciliation failed; the worker will retry'));
  worker.start();
  await membership.start();
  counter.sales.startPolling();

  // --- demo fleet
  let fleet: Plugpay['fleet'];
  if (config.sim.chargers) {
    let chargerConfigs: SimChargerConfig[];
    if (config.sim.configPath) {
      const file = await loadFleetConfig(config.sim.configPath);
      await seedFleet(db, file);
      chargerConfigs = file.chargers.map((c) => ({ ...c, meterIntervalSeconds: config.ocpp.meterIntervalSeconds }));
    } else {
      const list = opts.demoChargers ?? demoChargers;
      await seedDemo(db, list);
      chargerConfigs = list.map((c) => ({
        id: c.id,
        password: DEMO_CHARGER_PASSWORD,
        station: c.stationId,
        meterIntervalSeconds: config.ocpp.meterIntervalSeconds,
        connectors: Array.from({ length: c.connectors }, () => ({ maxPowerW: c.maxPowerW, plugType: c.plugType }))
      }));
    }
    fleet = createChargerFleet({
      url: `ws://${selfHost}:${port}/ocpp`,
      logger: logger.child({ component: 'sim' }),
      chargers: chargerConfigs,
      // The chargers' OCPP timestamps come from plugpay's clock, so they fall in the window it bounds them to.
      clock: () => clock.now()
    });
    await fleet.start();
  }
  // Every ten minutes: is any reservation held long past its session's start?
  const reservationWatch = new ReservationWatch({
    db,
    sessions: new SessionRepository(),
    clock,
    logger: logger.child({ component: 'reservations' }),
    alertAfterMs: config.reservationAlertHours * 36e5,
    onAlert: () => metrics.alerts.inc({ kind: 'reservation-held' })
  });
  const watchReservations = () => void reservationWatch.check().catch((err) => logger.error({ err }, 'reservation watch failed'));
  const reservationTimer = setInterval(watchReservations, 10 * 60_000);
  reservationTimer.unref();
  watchReservations();
  ready = true;

  let closed = false;
  return {
    url: publicUrl,
    port,
    config,
    db,
    charging,
    gateway,
    worker,
    sandbox,
    fleet,
    realtime,
    metrics,
    membership,
    demoLogin: operators.demoLogin,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(reservationTimer);
      ready = false;
      await fleet?.stop().catch(() => undefined);
      counter.sales.stopPolling();
      await worker.stop();
      await membership.close();
      await gateway.close();
      await charging.close(); // meter readings held in memory are written
      await realtime.close(); // closes the HTTP server too
      await sandbox?.close();
      await relay?.close().catch(() => undefined);
      await redisClient?.quit().catch(() => undefined);
      await db.close();
      if (pidFile) rmSync(pidFile, { force: true });
      if (opts.bridge !== false) {
        delete (globalThis as Record<symbol, unknown>)[PLUGPAY_BRIDGE];
        delete (globalThis as Record<symbol, unknown>)[OPERATOR_BRIDGE];
      }
    }
  };
}

/**
 * Runs plugpay as a process: configuration from the environment, the banner, and a clean stop on
 * SIGINT/SIGTERM. `clock` is for tests that run plugpay as a child on a clock of their own.
 */
export async function main(opts: { clock?: Clock } = {}) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`plugpay: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, { node: config.nodeId });
  const plugpay = await startPlugpay({ config, logger, clock: opts.clock });
  const { printBanner } = await import('./banner.js');
  await printBanner(plugpay);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await plugpay.close().catch((err) => logger.error({ err }, 'error while stopping'));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error('plugpay failed to start:', err);
    process.exit(1);
  });
}
