import { describe, expect, it } from 'vitest';
import { VippsClient } from './client.js';
import { TOKEN_BODY, fakeFetch, json, type Answer } from './fake-fetch.test-helper.js';

function client(script: Answer[]) {
  const f = fakeFetch([json(200, TOKEN_BODY), ...script]);
  const c = new VippsClient({
    baseUrl: 'https://apitest.vipps.no',
    clientId: 'cid',
    clientSecret: 'cs',
    subscriptionKey: 'sub',
    merchantSerialNumber: '123456',
    systemName: 'plugpay',
    systemVersion: '0.1.0',
    fetch: f.fetch,
    sleep: async () => {}
  });
  return { c, calls: f.calls };
}

const nok = (value: number) => ({ currency: 'NOK' as const, value });
const modification = {
  amount: nok(1000),
  state: 'CREATED',
  aggregate: { authorizedAmount: nok(0), capturedAmount: nok(0), cancelledAmount: nok(1000), refundedAmount: nok(0) },
  pspReference: 'p',
  reference: 'ev-abc-12345'
};

describe('ePayment module', () => {
  it('cancel sends cancelTransactionOnly only when asked', async () => {
    const { c, calls } = client([json(200, modification), json(200, modification)]);
    await c.epayment.cancel('ev-abc-12345', 'k-1');
    await c.epayment.cancel('ev-abc-12345', 'k-2', { cancelTransactionOnly: true });
    expect(calls[1].body).toBeUndefined();
    expect(JSON.parse(calls[2].body!)).toEqual({ cancelTransactionOnly: true });
  });

  it.each([
    ['a short reference', () => client([]).c.epayment.get('short')],
    ['a reference with a slash', () => client([]).c.epayment.get('ev-abc/../x')],
    ['an empty idempotency key', () => client([]).c.epayment.capture('ev-abc-12345', nok(100), '')],
    ['a fractional amount', () => client([]).c.epayment.capture('ev-abc-12345', nok(1.5), 'k')],
    ['WEB_REDIRECT without returnUrl', () => client([]).c.epayment.create({ amount: nok(100), paymentMethod: { type: 'WALLET' }, userFlow: 'WEB_REDIRECT', reference: 'ev-abc-12345' }, 'k')],
    ['two customer identities', () => client([]).c.epayment.create({ amount: nok(100), paymentMethod: { type: 'WALLET' }, userFlow: 'PUSH_MESSAGE', reference: 'ev-abc-12345', customer: { phoneNumber: '4791234567', personalQr: 'https://qr.vipps.no/p/x' } as never }, 'k')],
    ['a misspelt field', () => client([]).c.epayment.create({ amount: nok(100), paymentMethod: { type: 'WALLET' }, userFlow: 'WEB_REDIRECT', returnUrl: 'https://x.example', reference: 'ev-abc-12345', paymentDescripton: 'typo' } as never, 'k')]
  ])('refuses %s before sending anything', async (_n, run) => {
    await expect(run()).rejects.toMatchObject({ name: 'VippsError', code: 'invalid-request' });
  });

  it('rejects a payment whose state Vipps does not document', async () => {
    const { c } = client([json(200, { ...modification, state: 'CAPTURED' })]);
    await expect(c.epayment.cancel('ev-abc-12345', 'k')).rejects.toMatchObject({ code: 'invalid-response' });
  });
});

describe('QR module', () => {
  const qr = { id: 'charger 17', url: 'https://qr.example/i.png', redirectUrl: 'https://plugpay.example/c/17' };

  it('chooses the image format with Accept (and Size for PNG) and encodes the id', async () => {
    const { c, calls } = client([json(200, qr), json(200, qr), json(200, qr)]);
    await c.qr.getMerchantRedirect('charger 17');
    await c.qr.getMerchantRedirect('charger 17', { format: 'png', size: 512 });
    await c.qr.getMerchantRedirect('charger 17', { format: 'text' });
    expect(calls[1].url).toBe('https://apitest.vipps.no/qr/v1/merchant-redirect/charger%2017');
    expect(calls.slice(1).map((x) => [x.headers.accept, x.headers.size])).toEqual([
      ['image/svg+xml', undefined],
      ['image/png', '512'],
      ['text/targetUrl', undefined]
    ]);
  });

  it('refuses a non-https redirect and an out-of-range size', async () => {
    await expect(client([]).c.qr.createMerchantRedirect({ id: 'a', redirectUrl: 'http://plugpay.example/c/1' })).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(client([]).c.qr.getMerchantRedirect('a', { format: 'png', size: 5000 })).rejects.toMatchObject({ code: 'invalid-request' });
  });

  it('exchange asks for the MSISDN of the complete scanned content', async () => {
    const { c, calls } = client([json(200, { msisdn: '4798765432', version: '1.0' })]);
    await expect(c.qr.exchange('https://qr.vipps.no/p/abc')).resolves.toEqual({ msisdn: '4798765432', version: '1.0' });
    expect(JSON.parse(calls[1].body!)).toEqual({ qrCode: 'https://qr.vipps.no/p/abc', requestedData: ['MSISDN'] });
  });
});

describe('Order Management module', () => {
  it('refuses a bad paymentType or orderId', async () => {
    await expect(client([]).c.orderManagement.getOrder('ecom' as never, 'ev-1')).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(client([]).c.orderManagement.getOrder('ECOM', 'ev 1')).rejects.toMatchObject({ code: 'invalid-request' });
  });

  it('other receipt errors are not mistaken for already-sent', async () => {
    const { c } = client([json(400, { title: 'Bad', detail: 'BadRequest', instance: 'x', invalidParams: [{ name: 'orderLines', reason: 'empty' }] })]);
    const r = { orderLines: [{ name: 'x', id: '1', totalAmount: 1, totalAmountExcludingTax: 1, totalTaxAmount: 0, taxRate: 0 }], bottomLine: { currency: 'NOK' as const } };
    await expect(c.orderManagement.sendReceipt('ECOM', 'ev-1', r)).rejects.toMatchObject({ status: 400, detail: 'BadRequest; orderLines: empty' });
  });
});
