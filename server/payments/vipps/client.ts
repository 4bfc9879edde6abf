/**
 * The Vipps MobilePay client: every API module built on one request core and one token cache.
 * Works unchanged against https://apitest.vipps.no, https://api.vipps.no and plugpay's sandbox;
 * only `baseUrl` and the credentials differ.
 *
 * @example
 * const vipps = new VippsClient({ baseUrl: 'https://apitest.vipps.no', clientId, clientSecret,
 *   subscriptionKey, merchantSerialNumber: '123456', systemName: 'plugpay', systemVersion: '0.1.0' });
 * const { redirectUrl } = await vipps.epayment.create({ ... }, 'ev-s1-1-create');
 */
import type { Logger } from '../../log.js';
import { EPaymentApi } from './epayment.js';
import { VippsHttp, type FetchLike, type RetryOptions } from './http.js';
import { OrderManagementApi } from './order-management.js';
import { QrApi } from './qr.js';
import { RecurringApi } from './recurring.js';
import { AccessTokens } from './token.js';
import { WebhooksApi } from './webhooks.js';

export interface VippsClientConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
  merchantSerialNumber: string;
  systemName: string;
  systemVersion: string;
  fetch?: FetchLike;
  /** Kept for callers' convenience (child loggers); the client itself does not log, it throws. */
  logger?: Logger;
  retry?: Partial<RetryOptions>;
  /** Per attempt. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  tokenRefreshMarginMs?: number;
  /** The embedded sandbox: QR codes may point at http://localhost (a demo without https). */
  sandbox?: boolean;
}

export class VippsClient {
  readonly tokens: AccessTokens;
  readonly epayment: EPaymentApi;
  readonly webhooks: WebhooksApi;
  readonly qr: QrApi;
  readonly orderManagement: OrderManagementApi;
  readonly recurring: RecurringApi;
  readonly logger: Logger | undefined;

  constructor(config: VippsClientConfig) {
    const core = new VippsHttp({
      baseUrl: config.baseUrl,
      subscriptionKey: config.subscriptionKey,
      merchantSerialNumber: config.merchantSerialNumber,
      systemName: config.systemName,
      systemVersion: config.systemVersion,
      fetch: config.fetch,
      sleep: config.sleep,
      now: config.now,
      random: config.random,
      retry: config.retry,
      timeoutMs: config.timeoutMs
    });
    this.tokens = new AccessTokens(core, {
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      refreshMarginMs: config.tokenRefreshMarginMs,
      now: config.now
    });
    const http = core.withTokens(this.tokens);
    this.epayment = new EPaymentApi(http);
    this.webhooks = new WebhooksApi(http);
    this.qr = new QrApi(http, { loopbackHttp: config.sandbox === true });
    this.orderManagement = new OrderManagementApi(http);
    this.recurring = new RecurringApi(http);
    this.logger = config.logger;
  }
}
