/**
 * Incoming Recurring webhooks (agreement and charge events; WHD events.md, API-NOTES §7): verified
 * like ePayment's (HMAC over the raw body, webhook-verifier.ts), then read only for which agreement
 * or charge to look at. No official payload schema exists for them (API-NOTES §7), so nothing in
 * the body is trusted beyond the ids: the state is always read back from the Recurring API.
 */
import { z } from 'zod';
import type { MembershipNotification } from './membership-port.js';
import { WebhookVerifier } from './vipps/webhook-verifier.js';
import type { IntakeResult, WebhookRegistration } from './webhook-intake.js';

export const RECURRING_EVENTS = [
  'recurring.agreement-activated.v1',
  'recurring.agreement-rejected.v1',
  'recurring.agreement-stopped.v1',
  'recurring.agreement-expired.v1',
  'recurring.charge-reserved.v1',
  'recurring.charge-captured.v1',
  'recurring.charge-canceled.v1',
  'recurring.charge-failed.v1',
  'recurring.charge-creation-failed.v1'
];

const event = z.object({
  eventType: z.string().regex(/^recurring\.[a-z-]+\.v1$/),
  agreementId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  chargeId: z.string().regex(/^[A-Za-z0-9_-]{1,50}$/).optional()
});

export class RecurringWebhookIntake {
  private verifier?: WebhookVerifier;

  constructor(private readonly deps: { onNotification: (n: MembershipNotification) => Promise<void>; logger: { warn(o: object, m: string): void } }) {}

  setRegistration(reg: WebhookRegistration): void {
    this.verifier = new WebhookVerifier({ secret: reg.secret, registeredUrl: reg.url });
  }

  async receive(rawBody: Uint8Array, headers: Headers): Promise<IntakeResult> {
    if (!this.verifier) return { status: 503, detail: 'webhooks are not set up yet' };
    const verdict = this.verifier.verify({ body: rawBody, headers });
    if (!verdict.ok) {
      this.deps.logger.warn({ reason: verdict.reason, detail: verdict.detail }, 'refused a Recurring webhook delivery');
      return { status: 401, detail: `signature check failed: ${verdict.reason}` };
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(rawBody).toString('utf8'));
    } catch {
      return { status: 400, detail: 'body is not JSON' };
    }
    const e = event.safeParse(body);
    if (!e.success) return { status: 400, detail: 'not a Recurring webhook event' };
    await this.deps.onNotification({ event: e.data.eventType, agreementId: e.data.agreementId, ...(e.data.chargeId ? { chargeId: e.data.chargeId } : {}) });
    return { status: 200, detail: 'ok' };
  }
}
