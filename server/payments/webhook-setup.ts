/**
 * Keeps plugpay's webhook registration at Vipps MobilePay and its secret. Vipps shows the secret
 * only once, at registration (Webhooks API guide), so it is stored, sealed; if it was lost, the
 * registration is replaced.
 */
import { z } from 'zod';
import { SecretBox, isSealed, type SealedValue } from './secret-box.js';
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
  /** The events to register for (default: ePayment's). */
  events?: string[];
  load: () => Promise<StoredRegistration | undefined>;
  save: (r: StoredRegistration) => Promise<void>;
}): Promise<StoredRegistration> {
  const stored = await opts.load();
  const events = opts.events ?? EPAYMENT_EVENTS;
  const r = await opts.payments.ensureWebhook(opts.url, events);
  if (r.secret !== undefined) {
    const reg = { id: r.id, url: opts.url, secret: r.secret };
    await opts.save(reg);
    return reg;
  }
  if (stored && stored.id === r.id && stored.url === opts.url) return stored;
  // Registered, but the secret is not ours to read any more: replace the registration.
  await opts.webhooks.delete(r.id);
  const again = await opts.payments.ensureWebhook(opts.url, events);
  if (again.secret === undefined) throw new Error(`could not obtain a webhook secret for ${opts.url}`);
  const reg = { id: again.id, url: opts.url, secret: again.secret };
  await opts.save(reg);
  return reg;
}

/**
 * Keeps the registration between runs (a settings row) with its secret sealed (secret-box.ts).
 * Whoever holds the webhook secret can forge deliveries, AUTHORIZED ones included, that pass
 * verification (Webhooks API, request authentication), so a copy of the database alone must not
 * give it away: it opens only with the server secret, which is not in the database.
 *
 * - A plaintext secret stored by an earlier plugpay is read once and stored sealed at once.
 * - A sealed secret that does not open (the server secret changed, or differs between nodes)
 *   counts as lost: `load` says so in a warning and returns nothing, and the registration is replaced.
 */
export function sealedRegistrationStore(opts: {
  serverSecret: Buffer | string;
  read: () => Promise<unknown>;
  write: (value: unknown) => Promise<void>;
  /** Where the warning about an unopenable secret goes (a pino logger will do). */
  logger: { warn(obj: object, msg: string): void };
}): { load(): Promise<StoredRegistration | undefined>; save(r: StoredRegistration): Promise<void> } {
  const box = new SecretBox(opts.serverSecret, 'vipps webhook secret');
  // Binds the sealed secret to its registration: moved onto another id or URL, it does not open.
  const context = (r: { id: string; url: string }) => `vipps.webhook ${r.id} ${r.url}`;
  const save = (r: StoredRegistration) => opts.write({ id: r.id, url: r.url, secret: box.seal(r.secret, context(r)) });
  return {
    save,
    async load() {
      const raw = await opts.read();
      if (raw === undefined) return undefined;
      const row = storedRow.safeParse(raw);
      if (!row.success) throw new Error(`the stored webhook registration is not one: ${row.error.message}`);
      const { id, url, secret } = row.data;
      if (typeof secret === 'string') {
        const reg = { id, url, secret };
        await save(reg);
        return reg;
      }
      try {
        return { id, url, secret: box.open(secret, context({ id, url })) };
      } catch (err) {
        opts.logger.warn(
          { err, webhookId: id },
          'the stored Vipps webhook secret does not open with this PLUGPAY_SECRET (was it changed? every node needs the same one); the registration will be replaced'
        );
        return undefined;
      }
    }
  };
}

const storedRow = z.object({
  id: z.string().min(1),
  url: z.string().min(1),
  // A string is the plaintext an earlier plugpay stored; see sealedRegistrationStore.
  secret: z.union([z.string().min(1), z.custom<SealedValue>(isSealed, 'a sealed secret')])
});
