/**
 * Incoming Vipps MobilePay webhooks: verify the HMAC signature over the raw body (Webhooks API,
 * request authentication), parse the event, and hand it on in plugpay's words. One mechanism for
 * every API that sends webhooks: ePayment by default, Recurring with its own parser
 * (recurring-webhooks.ts). A forged, stale or malformed delivery changes nothing.
 */
import type { Logger } from '../log.js';
import type { PaymentNotification } from './port.js';
import { parseWebhookNotification } from './vipps-payments.js';
import { WebhookVerifier } from './vipps/webhook-verifier.js';

export interface WebhookRegistration {
  url: string;
  secret: string;
}

export type IntakeResult = { status: 200; detail: string } | { status: 400 | 401 | 503; detail: string };

export interface IntakeDeps<N> {
  onNotification: (n: N) => Promise<void>;
  logger: Pick<Logger, 'warn'>;
  now?: () => number;
}

export class VippsWebhookIntake<N = PaymentNotification> {
  private verifier?: WebhookVerifier;
  private readonly parse: (body: unknown) => N | null;
  private readonly what: string;

  /** `parse` and `what` name another API's events; without them, ePayment's. */
  constructor(
    private readonly deps: IntakeDeps<N>,
    events: { parse: (body: unknown) => N | null; what: string } = { parse: parseWebhookNotification as (body: unknown) => N | null, what: 'an ePayment' }
  ) {
    this.parse = events.parse;
    this.what = events.what;
  }

  /** Set once the registration (and its secret) is known. */
  setRegistration(reg: WebhookRegistration): void {
    this.verifier = new WebhookVerifier({ secret: reg.secret, registeredUrl: reg.url, now: this.deps.now });
  }

  async receive(rawBody: Uint8Array, headers: Headers): Promise<IntakeResult> {
    if (!this.verifier) return { status: 503, detail: 'webhooks are not set up yet' };
    const verdict = this.verifier.verify({ body: rawBody, headers });
    if (!verdict.ok) {
      this.deps.logger.warn({ reason: verdict.reason, detail: verdict.detail, api: this.what }, 'refused a webhook delivery');
      return { status: 401, detail: `signature check failed: ${verdict.reason}` };
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(rawBody).toString('utf8'));
    } catch {
      return { status: 400, detail: 'body is not JSON' };
    }
    const n = this.parse(body);
    if (!n) return { status: 400, detail: `not ${this.what} webhook event` };
    await this.deps.onNotification(n);
    return { status: 200, detail: 'ok' };
  }
}
