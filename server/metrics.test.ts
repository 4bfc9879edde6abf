import { describe, expect, it } from 'vitest';
import { createMetrics, measuredFetch, vippsOperation } from './metrics.js';

describe('metrics', () => {
  it('names Vipps operations without references, so a payment is not a label', () => {
    expect(vippsOperation('post', 'https://api.vipps.no/epayment/v1/payments/plugpay-ab12cd34ef56/capture')).toBe('POST epayment.payments.capture');
    expect(vippsOperation('GET', 'http://127.0.0.1:3000/sandbox/vipps/epayment/v1/payments/plugpay-ab12cd34ef56')).toBe('GET epayment.payments');
    expect(vippsOperation('POST', 'https://api.vipps.no/accesstoken/get')).toBe('POST accesstoken.get');
    expect(vippsOperation('GET', 'not a url')).toBe('GET unknown');
  });

  it('reads sessions, outbox depth and connections when scraped, and counts Vipps calls', async () => {
    let pending = 3;
    const m = createMetrics({
      sessionsByState: async () => [{ state: 'charging', count: 2 }, { state: 'completed', count: 5 }],
      outboxDepth: async () => ({ pending, dead: 1 }),
      ocppConnections: () => 7,
      liveSessions: () => 2
    });
    const fetch = measuredFetch(async () => new Response('{}', { status: 429 }), m);
    await fetch('https://api.vipps.no/epayment/v1/payments/plugpay-x1/cancel', { method: 'POST' });
    const failing = measuredFetch(async () => { throw new Error('reset'); }, m);
    await expect(failing('https://api.vipps.no/epayment/v1/payments/plugpay-x1', { method: 'GET' })).rejects.toThrow('reset');
    m.alerts.inc({ kind: 'stop-unconfirmed' });
    let text = await m.registry.metrics();
    expect(text).toMatch(/plugpay_sessions\{state="charging",app="plugpay"\} 2/);
    expect(text).toMatch(/plugpay_outbox_jobs\{state="dead",app="plugpay"\} 1/);
    expect(text).toMatch(/plugpay_outbox_jobs\{state="pending",app="plugpay"\} 3/);
    expect(text).toMatch(/plugpay_ocpp_connections\{app="plugpay"\} 7/);
    expect(text).toMatch(/plugpay_vipps_requests_total\{operation="POST epayment.payments.cancel",status="429",app="plugpay"\} 1/);
    expect(text).toMatch(/plugpay_vipps_requests_total\{operation="GET epayment.payments",status="0",app="plugpay"\} 1/);
    expect(text).toMatch(/plugpay_alerts_total\{kind="stop-unconfirmed",app="plugpay"\} 1/);
    pending = 0;
    text = await m.registry.metrics();
    expect(text).toMatch(/plugpay_outbox_jobs\{state="pending",app="plugpay"\} 0/);
  });
});
