/** Builders for Recurring requests in the sandbox's tests and the contract tests. */

/** A valid VARIABLE, daily DraftAgreementV3 body; override any field. */
export function aVariableAgreement(over: Record<string, unknown> = {}) {
  return {
    pricing: { type: 'VARIABLE', currency: 'NOK', suggestedMaxAmount: 150000 },
    interval: { unit: 'DAY', count: 1 },
    merchantRedirectUrl: 'https://plugpay.example/member',
    merchantAgreementUrl: 'https://plugpay.example/member',
    productName: 'plugpay charging',
    phoneNumber: '4791234567',
    ...over
  };
}

/** A valid CreateChargeV3 body due the day after 2026-12-01; override any field. */
export const aCharge = (over: Record<string, unknown> = {}) => ({
  amount: 12345,
  transactionType: 'DIRECT_CAPTURE',
  description: 'Charging Tue 1 Dec: 2 sessions, 42,7 kWh',
  due: '2026-12-02',
  retryDays: 2,
  ...over
});

