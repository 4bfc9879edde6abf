/** A whole plugpay on a free loopback port, with its own database, for integration tests. */
import { loadConfig } from '../../server/config.js';
import { startPlugpay, type Plugpay, type StartOptions } from '../../server/main.js';
import { registerCharger } from '../../server/chargers/registration.js';
import { SimCharger, type SimChargerOptions } from '../../server/sim/charger/charger.js';
import { createLogger } from '../../server/log.js';
import { freshDatabaseUrl } from './db.js';
import { VippsClient } from '../../server/payments/vipps/client.js';

export interface TestPlugpay extends Plugpay {
  /** Registers a charger at a demo station and connects a simulated charger for it. */
  addCharger(id: string, opts?: Partial<SimChargerOptions>, stationId?: string): Promise<SimCharger>;
  sandboxPayment(reference: string): ReturnType<VippsClient['epayment']['get']>;
  sandboxApprove(reference: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestPlugpay(env: Record<string, string> = {}, opts: Partial<StartOptions> = {}): Promise<TestPlugpay> {
  const database = await freshDatabaseUrl();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: 'memory://',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    OCPP_METER_INTERVAL_SECONDS: '1',
    OCPP_START_TIMEOUT_SECONDS: '5',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...env
  });
  const logger = createLogger(config.logLevel);
  const pp = await startPlugpay({ config, logger, ...opts });
  const extra: SimCharger[] = [];
  const sandboxClient = () =>
    new VippsClient({
      baseUrl: `http://127.0.0.1:${pp.port}/sandbox/vipps`,
      clientId: pp.config.vipps.clientId,
      clientSecret: pp.config.vipps.clientSecret,
      subscriptionKey: pp.config.vipps.subscriptionKey,
      merchantSerialNumber: pp.config.vipps.merchantSerialNumber,
      systemName: 'plugpay-tests',
      systemVersion: '1'
    });
  return Object.assign(pp, {
    async addCharger(id: string, o: Partial<SimChargerOptions> = {}, stationId = 'oslo-gronland') {
      const password = 'test-charger-password';
      await registerCharger(pp.db, { id, password, connectors: o.connectors?.length ?? 1, stationId, maxPowerW: o.connectors?.[0]?.maxPowerW ?? 22000 });
      const sim = new SimCharger({
        id,
        password,
        url: `ws://127.0.0.1:${pp.port}/ocpp`,
        connectors: [{ maxPowerW: 22000 }],
        meterIntervalSeconds: 1,
        logger,
        ...o
      });
      extra.push(sim);
      await sim.start();
      if (!sim.online) await new Promise<void>((resolve) => sim.once('online', () => resolve()));
      return sim;
    },
    /** The sandbox's own record of a payment, read through its public ePayment API. */
    async sandboxPayment(reference: string) {
      return sandboxClient().epayment.get(reference);
    },
    /** Approves a payment as the driver would in the app (the test environment's force-approve). */
    async sandboxApprove(reference: string) {
      await sandboxClient().epayment.forceApprove(reference);
    },
    async stop() {
      for (const s of extra) await s.close().catch(() => undefined);
      await pp.close();
      await database.drop();
    }
  });
}

/** Waits until `check` returns a truthy value (polling every 50 ms), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
