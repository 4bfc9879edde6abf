/** Charging started at the counter, on fakes: the same spine as a scanned connector, pushed. */
import { describe, expect, it } from 'vitest';
import { newTestService } from '../../tests/helpers/memory-stores.js';
import { PaymentProviderError } from '../payments/errors.js';

describe('counter sessions on fakes', () => {
  it('pushes the reservation to the phone with a key from the reference, then follows the usual spine', async () => {
    const t = newTestService();
    t.stores.addConnector();
    const s = await t.sut.startCounterSession({ connectorId: 'CP1-1', amountOre: 35000, msisdn: '4791234567' });
    const ref = `plugpay-${s.sessionId}`;
    expect(t.payments.calls.filter((c) => c.op.startsWith('reserve'))).toEqual([{ op: 'reservePushed', reference: ref, amountOre: 35000, key: `${ref}-create` }]);
    expect(t.stores.rows.get(s.sessionId)?.state).toBe('awaiting_payment');
    // The connector is held for this customer like any reservation.
    await expect(t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 })).rejects.toMatchObject({ status: 409 });
    t.payments.authorize(ref);
    await t.sut.pollPendingPayments();
    expect(await t.runDue()).toEqual(['remote-start']);
    // The cashier holds the session's capability.
    expect((await t.sut.sessionView(s.sessionId, s.token)).state).toBe('starting');
  });

  it('a refusal from Vipps (5080) says why, reserves nothing and frees the connector', async () => {
    const t = newTestService();
    t.stores.addConnector();
    t.payments.reservePushed = async () => {
      throw new PaymentProviderError('refused', { operation: 'reservePushed', retryable: false, status: 400, code: '5080' });
    };
    await expect(t.sut.startCounterSession({ connectorId: 'CP1-1', amountOre: 35000, msisdn: '4791234567' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/PUSH_MESSAGE/) });
    const [row] = [...t.stores.rows.values()];
    expect(row?.state).toBe('failed');
    await expect(t.sut.startSession({ connectorId: 'CP1-1', amountOre: 35000 })).resolves.toMatchObject({ sessionId: expect.any(String) });
  });

  it.each([
    ['not an MSISDN', { connectorId: 'CP1-1', amountOre: 35000, msisdn: '+47 912' }],
    ['an amount outside the limits', { connectorId: 'CP1-1', amountOre: 5, msisdn: '4791234567' }],
    ['an unknown connector', { connectorId: 'NOPE-1', amountOre: 35000, msisdn: '4791234567' }]
  ])('refuses %s without opening a session', async (_n, input) => {
    const t = newTestService();
    t.stores.addConnector();
    await expect(t.sut.startCounterSession(input)).rejects.toMatchObject({ status: expect.any(Number) });
    expect(t.stores.rows.size).toBe(0);
    expect(t.payments.calls).toEqual([]);
  });
});
