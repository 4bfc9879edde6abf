import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MembershipNotification } from './membership-port.js';
import { RecurringWebhookIntake } from './recurring-webhooks.js';

const URL_ = 'https://plugpay.example/webhooks/vipps-recurring';
const SECRET = 'a-webhook-secret-as-vipps-gave-it';

/** Signs as WHD request-authentication.md describes (the secret as UTF-8, over the raw bytes). */
function signed(body: string, secret = SECRET, date = new Date()): Headers {
  const u = new URL(URL_);
  const hash = createHash('sha256').update(body).digest('base64');
  const d = date.toUTCString();
  const sig = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`POST\n${u.pathname}${u.search}\n${d};${u.host};${hash}`).digest('base64');
  return new Headers({ 'x-ms-date': d, 'x-ms-content-sha256': hash, authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${sig}` });
}

function anIntake() {
  const seen: MembershipNotification[] = [];
  const intake = new RecurringWebhookIntake({ onNotification: async (n) => void seen.push(n), logger: { warn() {} } });
  intake.setRegistration({ url: URL_, secret: SECRET });
  return { intake, seen };
}

const bytes = (s: string) => new TextEncoder().encode(s);

describe('Recurring webhooks', () => {
  it('passes a verified charge event on as a hint: ids only', async () => {
    const { intake, seen } = anIntake();
    const body = JSON.stringify({ eventType: 'recurring.charge-captured.v1', agreementId: 'agr_abc', chargeId: 'chr-123', amount: 999999, status: 'CHARGED' });
    expect(await intake.receive(bytes(body), signed(body))).toEqual({ status: 200, detail: 'ok' });
    expect(seen).toEqual([{ event: 'recurring.charge-captured.v1', agreementId: 'agr_abc', chargeId: 'chr-123' }]);
  });

  it.each([
    ['a forged signature', JSON.stringify({ eventType: 'recurring.agreement-stopped.v1', agreementId: 'agr_abc' }), 'other-secret', 401],
    ['not JSON', 'not json', SECRET, 400],
    ['not a Recurring event', JSON.stringify({ reference: 'x', name: 'AUTHORIZED' }), SECRET, 400],
    ['an id with a slash', JSON.stringify({ eventType: 'recurring.agreement-stopped.v1', agreementId: '../admin' }), SECRET, 400]
  ])('refuses %s and passes nothing on', async (_n, body, secret, status) => {
    const { intake, seen } = anIntake();
    expect((await intake.receive(bytes(body), signed(body, secret))).status).toBe(status);
    expect(seen).toEqual([]);
  });

  it('answers 503 until the registration is known', async () => {
    const intake = new RecurringWebhookIntake({ onNotification: async () => undefined, logger: { warn() {} } });
    expect((await intake.receive(bytes('{}'), new Headers())).status).toBe(503);
  });
});
