/**
 * Incoming Recurring webhooks (agreement and charge events; WHD events.md, API-NOTES §7): verified
 * like ePayment's (HMAC over the raw body, webhook-verifier.ts), then read only for which agreement
 * or charge to look at. No official payload schema exists for them (API-NOTES §7), so nothing in
 * the body is trusted beyond the ids: the state is always read back from the Recurring API.
 */
import { z } from 'zod';
import type { MembershipNotification } from './membership-port.js';
import { VippsWebhookIntake, type IntakeDeps } from './webhook-intake.js';

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

/** A Recurring event in plugpay's words, or null when the body is not one. */
function parseRecurringEvent(body: unknown): MembershipNotification | null {
  const e = event.safeParse(body);
  if (!e.success) return null;
  return { event: e.data.eventType, agreementId: e.data.agreementId, ...(e.data.chargeId ? { chargeId: e.data.chargeId } : {}) };
}

/** Recurring webhooks through the one intake mechanism (webhook-intake.ts). */
export class RecurringWebhookIntake extends VippsWebhookIntake<MembershipNotification> {
  constructor(deps: IntakeDeps<MembershipNotification>) {
    super(deps, { parse: parseRecurringEvent, what: 'a Recurring' });
  }
}
