/**
 * Contract tests: every request body the Vipps client sends is checked against the official
 * OpenAPI documents (read at test time from ../shared/vipps/openapi beside the clone), and every canned
 * response the client is fed here is itself valid per the same documents.
 */
import { describe, expect, it } from 'vitest';
import { VippsPayments } from '../server/payments/vipps-payments.js';
import { VippsClient } from '../server/payments/vipps/client.js';
import { TOKEN_BODY, fakeFetch, json, type RecordedCall } from '../server/payments/vipps/fake-fetch.test-helper.js';
import { loadSpec, validateRequestBody, validateResponse, type Spec } from './helpers/openapi.js';

const REF = 'ev-contract-0001';
const nok = (value: number) => ({ currency: 'NOK', value });
const aggregate = { authorizedAmount: nok(35000), capturedAmount: nok(21614), cancelledAmount: nok(0), refundedAmount: nok(0) };
const modification = { amount: nok(35000), state: 'AUTHORIZED', aggregate, pspReference: 'psp-1', reference: REF };

interface Case {
  name: string;
  spec: string;
  status: number;
  response: unknown;
  run: (c: VippsClient, p: VippsPayments) => Promise<unknown>;
}

const cases: Case[] = [
  {
    name: 'ePayment create (reserve)',
    spec: 'epayment-v1.yml',
    status: 201,
    response: { reference: REF, redirectUrl: 'https://landing.vipps.no/?token=abc' },
    run: (_c, p) => p.reserve({ reference: REF, amountOre: 35000, description: 'Charging at Hub 1', returnUrl: 'https://plugpay.example/s/1', idempotencyKey: `${REF}-create` })
  },
  {
    name: 'ePayment get',
    spec: 'epayment-v1.yml',
    status: 200,
    response: { ...modification, paymentMethod: { type: 'WALLET' }, profile: {} },
    run: (c) => c.epayment.get(REF)
  },
  {
    name: 'ePayment events',
    spec: 'epayment-v1.yml',
    status: 200,
    response: [{ reference: REF, pspReference: 'p', name: 'CREATED', amount: nok(35000), timestamp: '2024-05-01T12:00:00Z', idempotencyKey: 'k', success: true, paymentAction: 'CREATED' }],
    run: (c) => c.epayment.events(REF)
  },
  { name: 'ePayment capture', spec: 'epayment-v1.yml', status: 200, response: modification, run: (_c, p) => p.capture(REF, 21614, `${REF}-capture`) },
  { name: 'ePayment refund', spec: 'epayment-v1.yml', status: 200, response: modification, run: (c) => c.epayment.refund(REF, nok(100) as never, `${REF}-refund`) },
  { name: 'ePayment cancel', spec: 'epayment-v1.yml', status: 200, response: modification, run: (_c, p) => p.cancel(REF, `${REF}-cancel`) },
  // With `customer`, no body can pass the document: its `Customer` oneOf members have no
  // `required` fields, so {phoneNumber} matches two members at once (a spec defect). The
  // client's own zod schema enforces the intended exactly-one rule instead.
  { name: 'ePayment force approve', spec: 'epayment-v1.yml', status: 200, response: undefined, run: (c) => c.epayment.forceApprove(REF, { token: 'landing-token' }) },
  {
    name: 'Webhooks register',
    spec: 'webhooks-v1.yaml',
    status: 201,
    response: { id: '3fa85f64-5717-4562-b3fc-2c963f66afa6', secret: 's' },
    run: (c) => c.webhooks.register('https://plugpay.example/webhooks/vipps', ['epayments.payment.authorized.v1'])
  },
  {
    name: 'Webhooks list',
    spec: 'webhooks-v1.yaml',
    status: 200,
    response: { webhooks: [{ id: '3fa85f64-5717-4562-b3fc-2c963f66afa6', url: 'https://plugpay.example/h', events: ['epayments.payment.authorized.v1'] }] },
    run: (c) => c.webhooks.list()
  },
  {
    name: 'QR merchant-redirect create',
    spec: 'qr-v1.yaml',
    status: 200,
    response: { id: 'charger-17', url: 'https://qr.vipps.no/img.svg', redirectUrl: 'https://plugpay.example/c/17', expiresIn: -1 },
    run: (c) => c.qr.createMerchantRedirect({ id: 'charger-17', redirectUrl: 'https://plugpay.example/c/17' }, { format: 'png', size: 400 })
  },
  {
    name: 'QR merchant-redirect update',
    spec: 'qr-v1.yaml',
    status: 200,
    response: { id: 'charger-17', url: 'https://qr.vipps.no/img.svg', redirectUrl: 'https://plugpay.example/c/18' },
    run: (c) => c.qr.updateMerchantRedirect('charger-17', 'https://plugpay.example/c/18')
  },
  {
    name: 'QR merchant-redirect list',
    spec: 'qr-v1.yaml',
    status: 200,
    response: [{ id: 'charger-17', url: 'https://qr.vipps.no/img.svg', redirectUrl: 'https://plugpay.example/c/17' }],
    run: (c) => c.qr.listMerchantRedirects()
  },
  { name: 'QR exchange', spec: 'qr-v1.yaml', status: 200, response: { msisdn: '4798765432', version: '2.0', timestamp: 1634025600 }, run: (c) => c.qr.exchange('https://qr.vipps.no/p/abc') },
  {
    name: 'Order Management receipt',
    spec: 'order-management-v2.yaml',
    status: 201,
    response: '16328cb8-d769-4c53-90ad-e19777823f0a',
    run: (_c, p) =>
      p.sendReceipt(REF, {
        lines: [{ id: 'energy', name: 'Energy', totalOre: 20000, netOre: 16000, vatOre: 4000, vatRateBp: 2500, quantity: '23.418', unit: 'KWH', unitPriceOre: 854 }],
        posId: 'hub-1',
        receiptNumber: '1'
      })
  },
  { name: 'Order Management category', spec: 'order-management-v2.yaml', status: 200, response: 'ok', run: (_c, p) => p.setReceiptLink(REF, 'https://plugpay.example/s/1') }
];

function setup(status: number, response: unknown) {
  const f = fakeFetch([json(200, TOKEN_BODY), response === undefined ? new Response(null, { status }) : json(status, response)]);
  const client = new VippsClient({
    baseUrl: 'https://apitest.vipps.no',
    clientId: 'cid',
    clientSecret: 'cs',
    subscriptionKey: 'sub',
    merchantSerialNumber: '123456',
    systemName: 'plugpay',
    systemVersion: '0.1.0',
    fetch: f.fetch
  });
  return { client, payments: new VippsPayments(client), calls: f.calls };
}

const pathOf = (call: RecordedCall) => new URL(call.url).pathname;

// No skipping: without ../shared/vipps/openapi, loadSpec throws and says where it looked.
describe('Vipps client against the official OpenAPI documents', () => {
  it.each(cases)('$name: request body and canned response are valid', async ({ spec: file, status, response, run }) => {
    const spec = loadSpec(file);
    const { client, payments, calls } = setup(status, response);
    await run(client, payments);
    const call = calls[1];
    const body = call.body === undefined ? undefined : JSON.parse(call.body);
    expect(validateRequestBody(spec, call.method, pathOf(call), body)).toEqual([]);
    if (response !== undefined) expect(validateResponse(spec, call.method, pathOf(call), status, response)).toEqual([]);
  });

  it('the token call matches the access-token document', async () => {
    const spec = loadSpec('access-token.yaml');
    const { client, calls } = setup(200, undefined);
    await client.tokens.get();
    expect(validateRequestBody(spec, 'POST', pathOf(calls[0]), undefined)).toEqual([]);
    expect(validateResponse(spec, 'POST', pathOf(calls[0]), 200, TOKEN_BODY)).toEqual([]);
  });

  it('the helper does catch a wrong body (the checks above can fail)', () => {
    const spec = loadSpec('epayment-v1.yml');
    expect(validateRequestBody(spec, 'POST', `/epayment/v1/payments/${REF}/capture`, { modificationAmount: { value: 1 } })).not.toEqual([]);
  });
});
