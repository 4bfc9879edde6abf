/**
 * One clock: plugpay judges everything time-bound on the clock it is given, never on the host's.
 * Here that clock runs years away from the host's, as a test's frozen clock or a node whose
 * clock is set apart would: a webhook dated by plugpay's clock is fresh, one dated by the
 * host's is stale.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsRepository } from '../server/store/settings-repository.js';
import { silentLogger } from '../server/log.js';
import { sealedRegistrationStore, type StoredRegistration } from '../server/payments/webhook-setup.js';
import { demoChargers } from '../server/sim/demo.js';
import type { Clock } from '../server/sessions/ports.js';
import { startTestPlugpay, type TestPlugpay } from './helpers/plugpay.js';
import { signedWebhookHeaders } from './helpers/webhooks.js';

const OFFSET_MS = Date.parse('2031-06-01T12:00:00Z') - Date.parse('2026-01-01T00:00:00Z');
const clock: Clock = { now: () => new Date(Date.now() + OFFSET_MS) };

let pp: TestPlugpay;
let webhook: StoredRegistration;

beforeAll(async () => {
  pp = await startTestPlugpay({}, { clock, pages: false, demoChargers: demoChargers.filter((c) => c.id === 'OSL-GRO-01') });
  webhook = (await sealedRegistrationStore({ serverSecret: pp.config.secret, logger: silentLogger, read: () => new SettingsRepository().get(pp.db, 'vipps.webhook'), write: async () => {} }).load())!;
}, 120_000);
afterAll(async () => pp?.stop());

function deliver(body: string, date: Date) {
  return fetch(`${pp.url}/webhooks/vipps`, { method: 'POST', body, headers: signedWebhookHeaders(body, webhook, date) });
}

describe('one clock', () => {
  it("judges a webhook's age on plugpay's clock, not the host's", async () => {
    const event = JSON.stringify({
      msn: pp.config.vipps.merchantSerialNumber,
      reference: 'plugpay-no-such-session',
      pspReference: 'clock-1',
      name: 'CANCELLED',
      amount: { currency: 'NOK', value: 35000 },
      timestamp: clock.now().toISOString(),
      success: true
    });
    expect((await deliver(event, clock.now())).status).toBe(200);
    expect((await deliver(event, new Date())).status).toBe(401);
  });
});
