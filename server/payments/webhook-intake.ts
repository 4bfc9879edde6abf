/**
 * Incoming Vipps MobilePay webhooks: verify the HMAC signature over the raw body (Webhooks API,
 * request authentication), parse the ePayment event, and hand it on in plugpay's words.
 * A forged, stale or malformed delivery changes nothing.
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

export class VippsWebhookIntake {
  private verifier?: WebhookVerifier;

  constructor(
    private readonly deps: {
      onNotification: (n: PaymentNotification) => Promise<void>;
      logger: Logger;
      now?: () => number;
    }
  ) {}

  /** Set once the registration (and its secret) is known. */
  setRegistration(reg: WebhookRegistration): void {
    this.verifier = new WebhookVerifier({ secret: reg.secret, registeredUrl: reg.url, now: this.deps.now });
  }

  async receive(rawBody: Uint8Array, headers: Headers): Promise<IntakeResult> {
    if (!this.verifier) return { status: 503, detail: 'webhooks are not set up yet' };
    const verdict = this.verifier.verify({ body: rawBody, headers });
    if (!verdict.ok) {
      this.deps.logger.warn({ reason: verdict.reason, detail: verdict.detail }, 'refused a webhook delivery');
      return { status: 401, detail: `signature check failed: ${verdict.reason}` };
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(rawBody).toString('utf8'));
    } catch {
      return { status: 400, detail: 'body is not JSON' };
    }
    const n = parseWebhookNotification(body);
    if (!n) return { status: 400, detail: 'not an ePayment webhook event' };
    await this.deps.onNotification(n);
    return { status: 200, detail: 'ok' };
  }
}
