import { describe, expect, it } from 'vitest';
import { loadSpec, matchPath, validateRequestBody, validateResponse } from './helpers/openapi.js';


describe('openapi helper', () => {
  it('loads every document, including the external OM 2.3.24 Receipt $ref of ePayment', () => {
    for (const f of ['epayment-v1.yml', 'webhooks-v1.yaml', 'qr-v1.yaml', 'order-management-v2.yaml', 'access-token.yaml', 'recurring-v3.yaml', 'login.yaml', 'userinfo.yaml']) {
      expect(loadSpec(f), f).not.toBeNull();
    }
  });

  it('matches concrete paths to templates and honours servers path prefixes', () => {
    const ep = loadSpec('epayment-v1.yml')!;
    expect(matchPath(ep, '/epayment/v1/payments/abc12345/capture?x=1')).toBe('/epayment/v1/payments/{reference}/capture');
    expect(matchPath(ep, '/epayment/v1/payments')).toBe('/epayment/v1/payments');
    expect(matchPath(loadSpec('qr-v1.yaml')!, '/qr/v1/merchant-redirect/abc')).toBe('/v1/merchant-redirect/{id}');
    expect(matchPath(loadSpec('webhooks-v1.yaml')!, '/webhooks/v1/webhooks')).toBe('/v1/webhooks');
    expect(matchPath(ep, '/nope')).toBeNull();
  });

  it('reports request body errors and accepts a valid body', () => {
    const ep = loadSpec('epayment-v1.yml')!;
    const good = { amount: { currency: 'NOK', value: 35000 }, paymentMethod: { type: 'WALLET' }, reference: 'ev-abc-123', userFlow: 'WEB_REDIRECT', returnUrl: 'https://x.example/r' };
    expect(validateRequestBody(ep, 'POST', '/epayment/v1/payments', good)).toEqual([]);
    const errs = validateRequestBody(ep, 'POST', '/epayment/v1/payments', { ...good, amount: { currency: 'NOK', value: 1.5 }, reference: 'a' });
    expect(errs.join('\n')).toMatch(/amount\/value must be integer/);
    expect(errs.join('\n')).toMatch(/reference/);
  });

  it('validates receipts through the external OM 2.3.24 schema (taxPercentage required there)', () => {
    const ep = loadSpec('epayment-v1.yml')!;
    const line = { name: 'Energy', id: 'kwh', totalAmount: 1000, totalAmountExcludingTax: 800, totalTaxAmount: 200 };
    const body = { amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference: 'ev-abc-124', userFlow: 'WEB_REDIRECT', returnUrl: 'https://x.example/r', receipt: { orderLines: [{ ...line, taxPercentage: 25 }], bottomLine: { currency: 'NOK' } } };
    expect(validateRequestBody(ep, 'POST', '/epayment/v1/payments', body)).toEqual([]);
  });

  it('handles nullable, undocumented statuses and problem bodies', () => {
    const ep = loadSpec('epayment-v1.yml')!;
    expect(validateResponse(ep, 'POST', '/epayment/v1/payments', 201, { reference: 'abc12345', redirectUrl: 'https://x.example/' })).toEqual([]);
    expect(validateResponse(ep, 'POST', '/epayment/v1/payments', 400, { type: 'x' }).length).toBeGreaterThan(0);
    expect(validateResponse(ep, 'POST', '/epayment/v1/payments', 418, {})[0]).toMatch(/not documented/);
    const wh = loadSpec('webhooks-v1.yaml')!;
    expect(validateResponse(wh, 'POST', '/webhooks/v1/webhooks', 201, { id: 'not-a-uuid', secret: 's' })[0]).toMatch(/uuid/);
  });
});
