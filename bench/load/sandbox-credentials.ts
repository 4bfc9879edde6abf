/**
 * The embedded Vipps MobilePay sandbox's published test credentials (README, "The sandbox's
 * test credentials"), written out here so the generator needs nothing from server/.
 */
export const SANDBOX = {
  clientId: 'plugpay-sandbox',
  clientSecret: 'plugpay-sandbox-secret',
  subscriptionKey: 'plugpay-sandbox-key',
  merchantSerialNumber: '123456'
} as const;
