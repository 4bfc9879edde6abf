/**
 * The in-store exchanges (API-NOTES §12 flow C) of the sandbox, validated against the official
 * documents: a PUSH_MESSAGE payment to a personal QR or a phone number with its receipt, its full
 * capture and a partial refund, the personal-QR exchange, and the documented errors 4060, 4070
 * and 5080.
 *
 * As in sandbox-contract.test.ts, ePayment's `Customer` is a `oneOf` whose members have no
 * `required`, so a body with `customer` matches all three and fails `oneOf`; the body is
 * validated without it, and the customer against its own member schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personalQrFor } from '../server/sim/vipps/qr.js';
import type { VippsSandbox } from '../server/sim/vipps/sandbox.js';
import { aPayment, aSandbox, client, tokenFor } from '../server/sim/vipps/test-kit.js';
import { loadSpec, validateComponent, validateRequestBody, validateResponse, type Spec } from './helpers/openapi.js';

const receipt = {
  orderLines: [
    { name: 'Coffee', id: '1-coffee', totalAmount: 4500, totalAmountExcludingTax: 3913, totalTaxAmount: 587, taxRate: 1500, taxPercentage: 15, unitInfo: { unitPrice: 4500, quantity: '1', quantityUnit: 'PCS' } },
    { name: 'Cable', id: '2-cable', totalAmount: 189900, totalAmountExcludingTax: 151920, totalTaxAmount: 37980, taxRate: 2500, taxPercentage: 25, unitInfo: { unitPrice: 189900, quantity: '1', quantityUnit: 'PCS' } }
  ],
  bottomLine: { currency: 'NOK', posId: 'till-1', receiptNumber: '42' }
};

describe('sandbox contract: in-store (PUSH_MESSAGE, personal QR)', () => {
  let sb: VippsSandbox;
  let api: ReturnType<typeof client>;
  let ep: Spec, qr: Spec, om: Spec;

  beforeAll(async () => {
    sb = aSandbox();
    api = client(sb, await tokenFor(sb));
    ep = loadSpec('epayment-v1.yml');
    qr = loadSpec('qr-v1.yaml');
    om = loadSpec('order-management-v2.yaml');
  });
  afterAll(() => sb.close());

  const push = (customer: Record<string, string>) =>
    aPayment({ userFlow: 'PUSH_MESSAGE', returnUrl: undefined, customer, customerInteraction: 'CUSTOMER_PRESENT', amount: { currency: 'NOK', value: 194400 }, receipt, paymentDescription: 'Kiosk at the hub' });
  const withoutCustomer = (b: Record<string, unknown>) => Object.fromEntries(Object.entries(b).filter(([k, v]) => k !== 'customer' && v !== undefined));

  it('create to a personal QR, read back, capture in full, refund in part', async () => {
    const body = push({ personalQr: personalQrFor('4791234567') });
    expect(validateRequestBody(ep, 'POST', '/epayment/v1/payments', withoutCustomer(body))).toEqual([]);
    expect(validateComponent(ep, 'PersonalQrCode', (body as Record<string, unknown>).customer)).toEqual([]);
    // The receipt sent on create carries both taxRate (current OM) and taxPercentage (OM 2.3.24).
    expect(validateComponent(om, 'Receipt', receipt)).toEqual([]);
    const created = await api.post('/epayment/v1/payments', body, 'is-create');
    expect(created.status).toBe(201);
    expect(validateResponse(ep, 'POST', '/epayment/v1/payments', created.status, created.body)).toEqual([]);
    expect(created.body.redirectUrl).toBeUndefined();
    const ref = body.reference;
    const got = await api.get(`/epayment/v1/payments/${ref}`);
    expect(validateResponse(ep, 'GET', `/epayment/v1/payments/${ref}`, got.status, got.body)).toEqual([]);
    await api.post(`/epayment/v1/test/payments/${ref}/approve`, {});
    const cap = await api.post(`/epayment/v1/payments/${ref}/capture`, { modificationAmount: { currency: 'NOK', value: 194400 } }, 'is-capture');
    expect(cap.status).toBe(200);
    expect(validateResponse(ep, 'POST', `/epayment/v1/payments/${ref}/capture`, cap.status, cap.body)).toEqual([]);
    const refund = await api.post(`/epayment/v1/payments/${ref}/refund`, { modificationAmount: { currency: 'NOK', value: 4500 } }, 'is-refund');
    expect(refund.status).toBe(200);
    expect(validateResponse(ep, 'POST', `/epayment/v1/payments/${ref}/refund`, refund.status, refund.body)).toEqual([]);
    const order = await api.get(`/order-management/v2/ECOM/${ref}`);
    expect(validateResponse(om, 'GET', `/order-management/v2/ECOM/${ref}`, order.status, order.body)).toEqual([]);
    expect(order.body.receipt.orderLines.map((l: { taxRate: number }) => l.taxRate)).toEqual([1500, 2500]);
  });

  it('create to a phone number, and cancel while waiting', async () => {
    const body = push({ phoneNumber: '4791234567' });
    expect(validateComponent(ep, 'CustomerPhoneNumber', (body as Record<string, unknown>).customer)).toEqual([]);
    const created = await api.post('/epayment/v1/payments', body, 'is-create-2');
    expect(validateResponse(ep, 'POST', '/epayment/v1/payments', created.status, created.body)).toEqual([]);
    const can = await api.post(`/epayment/v1/payments/${body.reference}/cancel`, undefined, 'is-cancel-2');
    expect(can.body.state).toBe('TERMINATED');
    expect(validateResponse(ep, 'POST', `/epayment/v1/payments/${body.reference}/cancel`, can.status, can.body)).toEqual([]);
  });

  it.each([
    ['4060', { personalQr: 'vipps-sandbox://personal-qr/1' }, undefined],
    ['4070', { phoneNumber: '4791' }, undefined],
    ['5080', { phoneNumber: '4791234567' }, 'refuse push']
  ])('error %s is a documented problem', async (code, customer, fault) => {
    if (fault) sb.faults.refusePushMessage();
    try {
      const r = await api.post('/epayment/v1/payments', push(customer), `is-err-${code}`);
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.extraDetails).toContainEqual({ name: 'ErrorCode', reason: code });
      expect(validateResponse(ep, 'POST', '/epayment/v1/payments', r.status, r.body, 'application/problem+json')).toEqual([]);
    } finally {
      sb.faults.clear();
    }
  });

  it('personal QR exchange: the number, and a documented 400', async () => {
    const reqBody = { qrCode: personalQrFor('4798765432'), requestedData: ['MSISDN'] };
    expect(validateRequestBody(qr, 'POST', '/qr/v1/exchange', reqBody)).toEqual([]);
    const ok = await api.post('/qr/v1/exchange', reqBody);
    expect(ok.body.msisdn).toBe('4798765432');
    expect(validateResponse(qr, 'POST', '/qr/v1/exchange', ok.status, ok.body)).toEqual([]);
    const bad = await api.post('/qr/v1/exchange', { qrCode: 'x' });
    expect(bad.status).toBe(400);
    expect(validateResponse(qr, 'POST', '/qr/v1/exchange', bad.status, bad.body)).toEqual([]);
  });
});
