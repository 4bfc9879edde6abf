/**
 * What every API router of the sandbox shares. New APIs (Recurring v3, Login) get the same
 * object and mount their own router beside the others in sandbox.ts.
 */
import type { Logger } from 'pino';
import type { Faults } from './faults.js';
import type { StateStore, PaymentEvent, Payment } from './state.js';

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
  merchantSerialNumber: string;
}

export interface SandboxContext {
  credentials: SandboxCredentials;
  /** absolute URL where browsers reach the sandbox (no trailing slash) */
  publicBaseUrl: string;
  store: StateStore;
  now: () => Date;
  tokenTtlSeconds: number;
  expiryMs: number;
  merchantName: string;
  logger: Logger;
  /** hand an ePayment event to the webhook dispatcher */
  publishPaymentEvent: (payment: Payment, event: PaymentEvent) => void;
  /** hand any other event (Recurring) to the webhook dispatcher, in order per `subject` */
  publishEvent: (msn: string, type: string, subject: string, payload: Record<string, unknown>) => void;
  /** (re)arm the expiry timer of a CREATED payment */
  scheduleExpiry: (payment: Payment) => void;
  /** sales-unit configuration faults (PUSH_MESSAGE not approved: 5080); absent = all allowed */
  faults?: Pick<Faults, 'pushMessageRefused'>;
}
