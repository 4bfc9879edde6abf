/**
 * Pay-as-you-go membership, assembled: the composition root calls `createMembership` once and
 * mounts what it returns (`/api/member`, `/webhooks/vipps-recurring`), then `start`s it after the
 * webhook registration is known. Only wiring here.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Config } from '../config.js';
import { problem } from '../http/problem.js';
import type { Logger } from '../log.js';
import type { PaymentPort } from '../payments/port.js';
import { RECURRING_EVENTS, RecurringWebhookIntake } from '../payments/recurring-webhooks.js';
import { VippsLogin } from '../payments/vipps/login.js';
import type { VippsClient } from '../payments/vipps/client.js';
import { VippsMembership } from '../payments/vipps-membership.js';
import type { VippsPayments } from '../payments/vipps-payments.js';
import { ensureWebhookRegistration, sealedRegistrationStore } from '../payments/webhook-setup.js';
import type { Clock } from '../sessions/ports.js';
import type { Db } from '../store/db.js';
import { MemberRepository } from '../store/member-repository.js';
import { SettingsRepository } from '../store/settings-repository.js';
import { DailyCharges } from './daily-charges.js';
import { DailyScheduler } from './daily-scheduler.js';
import { createMemberApi } from './member-api.js';
import { MemberCookies } from './member-cookies.js';
import { MemberService, type MemberServiceDeps } from './member-service.js';

export interface MembershipOptions {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  vipps: VippsClient;
  payments: VippsPayments & PaymentPort;
  charging: MemberServiceDeps['charging'];
  publicUrl: string;
  /** Where plugpay reaches Vipps from the server (the embedded sandbox over loopback in demo mode). */
  vippsBaseUrl: string;
  /** Where Vipps delivers webhooks to (loopback in demo mode). */
  webhookBaseUrl: string;
}

export function createMembership(o: MembershipOptions) {
  const m = o.config.members;
  const logger = o.logger.child({ component: 'members' });
  const repo = new MemberRepository();
  const membership = new VippsMembership({ recurring: o.vipps.recurring, orderManagement: o.vipps.orderManagement });
  const members = new MemberService({
    db: o.db,
    members: repo,
    membership,
    payments: o.payments,
    charging: o.charging,
    clock: o.clock,
    logger,
    settings: { publicUrl: o.publicUrl, timeZone: m.timeZone, limitPresetsOre: m.limitPresetsOre, limitDefaultOre: m.limitDefaultOre, productName: m.productName }
  });
  const daily = new DailyCharges({
    db: o.db,
    members: repo,
    membership,
    clock: o.clock,
    logger,
    settings: { timeZone: m.timeZone, dueDays: m.chargeDueDays, retryDays: m.chargeRetryDays },
    onAgreementHint: (id) => members.syncAgreement(id)
  });
  const login = new VippsLogin({
    issuer: `${o.vippsBaseUrl}/access-management-1.0/access/`,
    clientId: o.config.vipps.clientId,
    clientSecret: o.config.vipps.clientSecret,
    authMethod: m.loginAuthMethod,
    redirectUri: `${o.publicUrl}/api/member/login/callback`,
    allowHttp: o.config.vipps.sandbox,
    clock: () => o.clock.now()
  });
  const cookies = new MemberCookies(o.config.secret, o.publicUrl.startsWith('https:'), () => o.clock.now());
  const api = createMemberApi({ members, daily, login, cookies, publicUrl: o.publicUrl, operatorToken: o.config.operatorToken, trustedProxies: o.config.trustedProxies, logger });

  const intake = new RecurringWebhookIntake({ onNotification: (n) => daily.onNotification(n), logger, now: () => o.clock.now().getTime() });
  const webhooks = new Hono();
  webhooks.use('*', bodyLimit({ maxSize: 64 * 1024, onError: (c) => problem(c, 413, 'Too large', 'Webhook bodies are small.') }));
  webhooks.post('/', async (c) => {
    try {
      const r = await intake.receive(new Uint8Array(await c.req.arrayBuffer()), c.req.raw.headers);
      return r.status === 200 ? c.json({ ok: true }) : problem(c, r.status, r.status === 401 ? 'Unauthorized' : 'Bad request', r.detail);
    } catch (err) {
      logger.error({ err }, 'Recurring webhook handling failed');
      return problem(c, 503, 'Try again', 'The webhook could not be processed now.');
    }
  });

  const settings = new SettingsRepository();
  const scheduler = new DailyScheduler({
    db: o.db,
    daily,
    followAgreements: () => members.syncOpenAgreements(),
    settings,
    clock: o.clock,
    logger,
    runAt: m.dailyChargeTime,
    timeZone: m.timeZone,
    tickMs: m.tickSeconds * 1000
  });

  return {
    api,
    webhooks,
    members,
    daily,
    scheduler,
    /** Registers the Recurring webhook (its secret sealed like ePayment's) and starts the scheduler. */
    async start(): Promise<void> {
      const url = `${o.webhookBaseUrl}/webhooks/vipps-recurring`;
      await o.db
        .transaction(async (tx) => {
          await tx.query('select pg_advisory_xact_lock(7432008)');
          return ensureWebhookRegistration({
            payments: o.payments,
            webhooks: o.vipps.webhooks,
            url,
            events: RECURRING_EVENTS,
            ...sealedRegistrationStore({ serverSecret: o.config.secret, logger, read: () => settings.get(tx, 'vipps.webhook.recurring'), write: (v) => settings.set(tx, 'vipps.webhook.recurring', v) })
          });
        })
        .then((reg) => intake.setRegistration(reg))
        .catch((err) => logger.error({ err, url }, 'could not register the Recurring webhook; agreements and charges are followed by polling only'));
      if (m.scheduler) scheduler.start();
    },
    close: () => scheduler.stop()
  };
}

export type Membership = ReturnType<typeof createMembership>;
