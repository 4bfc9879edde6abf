import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VippsSandbox } from './sandbox.js';
import { aSandbox, client, tokenFor } from './test-kit.js';

let sb: VippsSandbox;
let api: ReturnType<typeof client>;
beforeEach(async () => {
  sb = aSandbox();
  api = client(sb, await tokenFor(sb));
});
afterEach(() => sb.close());

const aLine = (over: Record<string, unknown> = {}) => ({
  name: 'Energy',
  id: 'kwh',
  totalAmount: 21614,
  totalAmountExcludingTax: 17291,
  totalTaxAmount: 4323,
  taxRate: 2500,
  unitInfo: { unitPrice: 450, quantity: '38.422', quantityUnit: 'KWH' },
  ...over,
});
const aReceipt = (over: Record<string, unknown> = {}) => ({ orderLines: [aLine(over)], bottomLine: { currency: 'NOK' } });

describe('order management v2', () => {
  it('adds a receipt once (201 then 409) and reads it back with the category', async () => {
    const r = await api.post('/order-management/v2/ECOM/receipts/ev-abc-0001', aReceipt());
    expect(r.status).toBe(201);
    expect(typeof r.body).toBe('string');
    expect((await api.post('/order-management/v2/ECOM/receipts/ev-abc-0001', aReceipt())).status).toBe(409);
    const cat = await api.call('PUT', '/order-management/v2/ECOM/categories/ev-abc-0001', { category: 'RECEIPT', orderDetailsUrl: 'https://plugpay.example/s/1' });
    expect(cat.status).toBe(200);
    await api.call('PUT', '/order-management/v2/ECOM/categories/ev-abc-0001', { category: 'GENERAL', orderDetailsUrl: 'https://plugpay.example/s/1' });
    const got = await api.get('/order-management/v2/ECOM/ev-abc-0001');
    expect(got.body.category.category).toBe('GENERAL');
    expect(got.body.receipt.orderLines[0].taxRate).toBe(2500);
  });

  it('accepts taxPercentage and lower-case paymentType', async () => {
    expect((await api.post('/order-management/v2/ecom/receipts/ev-abc-0002', aReceipt({ taxRate: undefined, taxPercentage: 25 }))).status).toBe(201);
    expect((await api.get('/order-management/v2/ECOM/ev-abc-0002')).status).toBe(200);
  });

  it.each([
    ['no tax field', aReceipt({ taxRate: undefined })],
    ['taxPercentage 25.5', aReceipt({ taxRate: undefined, taxPercentage: 25.5 })],
    ['taxRate above 10000', aReceipt({ taxRate: 10001 })],
    ['bad quantity', aReceipt({ unitInfo: { quantity: '1,5', quantityUnit: 'KWH' } })],
    ['no order lines', { orderLines: [], bottomLine: { currency: 'NOK' } }],
    ['no bottomLine', { orderLines: [aLine()] }],
  ])('refuses a receipt with %s', async (_n, body) => {
    const r = await api.post('/order-management/v2/ECOM/receipts/ev-abc-0003', body);
    expect(r.status).toBe(400);
    expect(r.body.invalidParams.length).toBeGreaterThan(0);
    expect(r.body.instance).toBe('/order-management/v2/ECOM/receipts/ev-abc-0003');
    expect((await api.get('/order-management/v2/ECOM/ev-abc-0003')).status).toBe(404);
  });

  it('refuses unknown paymentType and bad categories', async () => {
    expect((await api.post('/order-management/v2/CARD/receipts/ev-abc-0004', aReceipt())).status).toBe(400);
    expect((await api.call('PUT', '/order-management/v2/ECOM/categories/ev-abc-0004', { category: 'FOOD', orderDetailsUrl: 'https://x.example' })).status).toBe(400);
  });
});
