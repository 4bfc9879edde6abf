/**
 * The in-store requests plugpay sends (vipps-in-store.ts, and the pushed reservation of
 * vipps-payments.ts), checked against the official documents. As in vipps-client-contract.test.ts,
 * ePayment's `Customer` oneOf cannot pass with any body (its members have no `required`), so the
 * body is validated without `customer`, and the customer against its own member schema.
 */
import { describe, expect, it } from 'vitest';
import { saleReceipt } from '../server/domain/sale.js';
import { VippsInStore } from '../server/payments/vipps-in-store.js';
import { VippsPayments } from '../server/payments/vipps-payments.js';
import { VippsClient } from '../server/payments/vipps/client.js';
import { TOKEN_BODY, fakeFetch, json } from '../server/payments/vipps/fake-fetch.test-helper.js';
import { loadSpec, validateComponent, validateRequestBody, validateResponse } from './helpers/openapi.js';

function setup(status: number, response: unknown) {
  const f = fakeFetch([json(200, TOKEN_BODY), json(status, response)]);
  const client = new VippsClient({ baseUrl: 'https://apitest.vipps.no', clientId: 'cid', clientSecret: 'cs', subscriptionKey: 'sub', merchantSerialNumber: '123456', systemName: 'plugpay', systemVersion: '0.1.0', fetch: f.fetch });
  return { inStore: new VippsInStore(client), payments: new VippsPayments(client), calls: f.calls };
}

const receipt = saleReceipt(
  [
    { itemId: 'coffee', name: 'Coffee', unitPriceOre: 4500, quantity: 2, vatRateBp: 1500 },
    { itemId: 'cable', name: 'Type 2 cable', unitPriceOre: 189900, quantity: 1, vatRateBp: 2500 }
  ],
  { posId: 'kiosk-1', receiptNumber: '7' }
);

describe('in-store requests against the official documents', () => {
  const ep = loadSpec('epayment-v1.yml');

  it.each([
    ['personal QR', { kind: 'personal_qr' as const, content: 'https://qr.vipps.no/28/2/01/031/4791234567?v=1' }, 'PersonalQrCode'],
    ['phone number', { kind: 'phone' as const, msisdn: '4791234567' }, 'CustomerPhoneNumber']
  ])('a sale pushed to a %s, with its receipt', async (_n, customer, member) => {
    const { inStore, calls } = setup(201, { reference: 'pos-0123456789ab' });
    await inStore.push({ reference: 'pos-0123456789ab', amountOre: 198900, customer, description: 'Kiosk, till kiosk-1, receipt 7', receipt, idempotencyKey: 'pos-0123456789ab-create' });
    const body = JSON.parse(calls[1]!.body!);
    expect(body).toMatchObject({ userFlow: 'PUSH_MESSAGE', customerInteraction: 'CUSTOMER_PRESENT', paymentMethod: { type: 'WALLET' } });
    expect(calls[1]!.headers['idempotency-key']).toBe('pos-0123456789ab-create');
    const { customer: sent, ...rest } = body;
    expect(validateComponent(ep, member, sent)).toEqual([]);
    // The whole rest, receipt included, against ePayment 1.4.1 (which embeds OM 2.3.24).
    expect(validateRequestBody(ep, 'POST', '/epayment/v1/payments', rest)).toEqual([]);
    expect(rest.receipt.orderLines.map((l: { taxRate: number; taxPercentage: number }) => [l.taxRate, l.taxPercentage])).toEqual([
      [1500, 15],
      [2500, 25]
    ]);
    expect(rest.receipt.bottomLine).toEqual({ currency: 'NOK', posId: 'kiosk-1', receiptNumber: '7' });
  });

  it('a charging reservation pushed to a phone number', async () => {
    const { payments, calls } = setup(201, { reference: 'plugpay-0123456789ab' });
    await payments.reservePushed({ reference: 'plugpay-0123456789ab', amountOre: 35000, description: 'Hub, connector 2, started at the counter', msisdn: '4798765432', idempotencyKey: 'plugpay-0123456789ab-create' });
    const { customer, ...rest } = JSON.parse(calls[1]!.body!);
    expect(customer).toEqual({ phoneNumber: '4798765432' });
    expect(rest).toMatchObject({ userFlow: 'PUSH_MESSAGE', customerInteraction: 'CUSTOMER_PRESENT' });
    expect(rest.returnUrl).toBeUndefined();
    expect(validateRequestBody(ep, 'POST', '/epayment/v1/payments', rest)).toEqual([]);
    expect(validateResponse(ep, 'POST', '/epayment/v1/payments', 201, { reference: 'plugpay-0123456789ab' })).toEqual([]);
  });

  it('the personal-QR exchange, and its documented 400 becomes an error with the status', async () => {
    const qr = loadSpec('qr-v1.yaml');
    const ok = setup(200, { msisdn: '4791234567', version: '2.0', timestamp: 1634025600 });
    expect(await ok.inStore.personalQrPhone('https://qr.vipps.no/p/abc')).toBe('4791234567');
    expect(validateRequestBody(qr, 'POST', '/qr/v1/exchange', JSON.parse(ok.calls[1]!.body!))).toEqual([]);
    const badBody = { title: 'Bad request', status: 400, detail: 'The request body contains one or more invalid parameters.', extraDetails: [{ name: 'qrCode', reason: 'The complete data contained in the QR code is required.' }] };
    expect(validateResponse(qr, 'POST', '/qr/v1/exchange', 400, badBody)).toEqual([]);
    const bad = setup(400, badBody);
    await expect(bad.inStore.personalQrPhone('https://qr.vipps.no/p/x')).rejects.toMatchObject({ name: 'PaymentProviderError', status: 400 });
  });
});
