/**
 * Keeps plugpay's webhook registration at Vipps MobilePay and its secret. Vipps shows the secret
 * only once, at registration (Webhooks API guide), so it is stored; if it was lost, the
 * registration is replaced.
 */
import type { VippsPayments } from './vipps-payments.js';
import type { WebhooksApi } from './vipps/webhooks.js';
import type { WebhookRegistration } from './webhook-intake.js';

export const EPAYMENT_EVENTS = [
  'epayments.payment.created.v1',
  'epayments.payment.authorized.v1',
  'epayments.payment.aborted.v1',
  'epayments.payment.expired.v1',
  'epayments.payment.terminated.v1',
  'epayments.payment.cancelled.v1',
  'epayments.payment.captured.v1',
  'epayments.payment.refunded.v1'
];

export interface StoredRegistration extends WebhookRegistration {
  id: string;
}

export async function ensureWebhookRegistration(opts: {
  payments: VippsPayments;
  webhooks: WebhooksApi;
  url: string;
  load: () => Promise<StoredRegistration | undefined>;
  save: (r: StoredRegistration) => Promise<void>;
}): Promise<StoredRegistration> {
  const stored = await opts.load();
  const r = await opts.payments.ensureWebhook(opts.url, EPAYMENT_EVENTS);
  if (r.secret !== undefined) {
    const reg = { id: r.id, url: opts.url, secret: r.secret };
    await opts.save(reg);
    return reg;
  }
  if (stored && stored.id === r.id && stored.url === opts.url) return stored;
  // Registered, but the secret is not ours to read any more: replace the registration.
  await opts.webhooks.delete(r.id);
  const again = await opts.payments.ensureWebhook(opts.url, EPAYMENT_EVENTS);
  if (again.secret === undefined) throw new Error(`could not obtain a webhook secret for ${opts.url}`);
  const reg = { id: again.id, url: opts.url, secret: again.secret };
  await opts.save(reg);
  return reg;
}
