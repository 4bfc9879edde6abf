/**
 * The Vipps MobilePay client's public surface. Only `server/payments/` imports from here; the rest
 * of plugpay talks to the PaymentPort (vipps-payments.ts).
 */
export { VippsClient, type VippsClientConfig } from './client.js';
export { VippsError, type LocalErrorCode } from './errors.js';
export { VippsHttp, DEFAULT_RETRY, parseRetryAfter, type FetchLike, type RetryOptions, type TokenSource } from './http.js';
export { AccessTokens } from './token.js';
export { EPaymentApi } from './epayment.js';
export { WebhooksApi } from './webhooks.js';
export { QrApi, type QrFormat, type QrImageOptions } from './qr.js';
export { OrderManagementApi } from './order-management.js';
export { WebhookVerifier, contentHash, webhookSignature, type WebhookVerification, type WebhookDelivery } from './webhook-verifier.js';
export { toAmount, fromAmount } from './amount.js';
