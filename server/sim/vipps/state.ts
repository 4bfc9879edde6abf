/**
 * The sandbox's whole memory: plain JSON-able records, so it can be persisted to one file and a
 * restarted sandbox remembers every payment, idempotency record, registration, receipt and QR.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { LoginState } from './login-state.js';
import type { RecurringState } from './recurring-state.js';

export type Currency = 'NOK' | 'DKK' | 'EUR';
export interface Amount {
  currency: Currency;
  value: number;
}

/** ePayment states (EP `State`); CAPTURED/REFUNDED are event names only, never states. */
export type PaymentState = 'CREATED' | 'AUTHORIZED' | 'ABORTED' | 'EXPIRED' | 'TERMINATED';
export type PaymentEventName = 'CREATED' | 'ABORTED' | 'EXPIRED' | 'CANCELLED' | 'CAPTURED' | 'REFUNDED' | 'AUTHORIZED' | 'TERMINATED';
export type UserFlow = 'PUSH_MESSAGE' | 'NATIVE_REDIRECT' | 'WEB_REDIRECT' | 'QR';

export interface PaymentEvent {
  reference: string;
  pspReference: string;
  name: PaymentEventName;
  amount: Amount;
  timestamp: string;
  idempotencyKey?: string;
  success: boolean;
}

export interface Payment {
  msn: string;
  reference: string;
  pspReference: string;
  /** secret in the app-page link, like the real landing-page token */
  token: string;
  amount: Amount;
  state: PaymentState;
  /** all four in øre; authorized only becomes non-zero on approval */
  authorized: number;
  captured: number;
  cancelled: number;
  refunded: number;
  userFlow: UserFlow;
  paymentMethod: 'WALLET' | 'CARD';
  returnUrl?: string;
  paymentDescription?: string;
  customer?: { phoneNumber?: string; personalQr?: string; customerToken?: string };
  customerInteraction: 'CUSTOMER_PRESENT' | 'CUSTOMER_NOT_PRESENT';
  metadata?: Record<string, string>;
  profileScope?: string;
  sub?: string;
  qrFormat?: { format: string; size?: number | null };
  createdAt: string;
  expiresAt: string;
  events: PaymentEvent[];
}

export interface IdempotencyRecord {
  hash: string;
  status: number;
  body: unknown;
  contentType: string;
}

export interface WebhookRegistration {
  id: string;
  url: string;
  events: string[];
  secret: string;
  msn: string;
}

export interface MerchantRedirectQr {
  msn: string;
  id: string;
  redirectUrl: string;
  /** absolute expiry (ISO) when created with a ttl; absent = never expires */
  expiresAt?: string;
}

export interface OrderRecord {
  /** posted once through Order Management */
  receipt?: unknown;
  /** sent with ePayment create; shown until a receipt is posted */
  initialReceipt?: unknown;
  category?: unknown;
}

export interface SandboxState {
  version: 1;
  tokens: Record<string, { expiresAt: number }>;
  /** key `${msn}:${reference}` */
  payments: Record<string, Payment>;
  /** key `${msn}|${method} ${path}|${idempotencyKey}` */
  idempotency: Record<string, IdempotencyRecord>;
  webhooks: Record<string, WebhookRegistration>;
  /** key `${msn}:${paymentType}:${orderId}` */
  orders: Record<string, OrderRecord>;
  /** key `${msn}:${id}` */
  qr: Record<string, MerchantRedirectQr>;
  /** Deliveries not yet done, in order: Vipps keeps retrying across its own restarts too. */
  pendingWebhooks: PendingWebhook[];
  /** Login (OIDC): signing key, codes and tokens (login-state.ts); absent until first used. */
  login?: LoginState;
  /** Recurring v3: agreements, charges and the sandbox's own day clock (recurring-state.ts). */
  recurring?: RecurringState;
}

export interface PendingWebhook {
  id: string;
  /** the delivery queue: `${registrationId}|${reference}` */
  queue: string;
  registrationId: string;
  payload: Record<string, unknown>;
}

export function emptyState(): SandboxState {
  return { version: 1, tokens: {}, payments: {}, idempotency: {}, webhooks: {}, orders: {}, qr: {}, pendingWebhooks: [] };
}

/**
 * Holds the state and writes it to `file` (if any) a moment after each mutation, atomically
 * (temp file + rename) so a crash mid-write never leaves a torn file behind.
 */
export class StateStore {
  readonly data: SandboxState;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string | undefined,
    private readonly debounceMs = 20,
  ) {
    this.data = file && existsSync(file) ? StateStore.read(file) : emptyState();
  }

  private static read(file: string): SandboxState {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`Vipps sandbox: cannot read state file ${file}`, { cause: err });
    }
    const s = parsed as Partial<SandboxState>;
    if (!s || s.version !== 1) throw new Error(`Vipps sandbox: state file ${file} has an unknown format`);
    return { ...emptyState(), ...s } as SandboxState;
  }

  /** Call after every mutation. */
  changed(): void {
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
    this.timer.unref();
  }

  /** Write now (if there is a file and unsaved changes are pending, or always when forced). */
  flush(force = false): void {
    if (!this.file) return;
    if (!this.timer && !force) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.file);
  }
}
