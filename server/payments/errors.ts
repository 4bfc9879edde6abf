/**
 * The error the payment adapter throws: plugpay's words on top, the provider's error as `cause`.
 * Callers (jobs, services) decide from `retryable` whether to try again later, and log once.
 */
export class PaymentProviderError extends Error {
  readonly operation: string;
  readonly reference: string | undefined;
  /** True when repeating the same call with the same idempotency key may succeed. */
  readonly retryable: boolean;
  /** The provider's code, e.g. Vipps "6090", when there is one. */
  readonly code: string | undefined;
  readonly status: number | undefined;
  /**
   * The provider asked not to be called again for this long (a rate limit's `Retry-After`). A caller
   * that schedules a retry must not schedule it sooner.
   */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    init: { operation: string; reference?: string; retryable: boolean; code?: string; status?: number; retryAfterMs?: number; cause?: unknown }
  ) {
    super(message, { cause: init.cause });
    this.name = 'PaymentProviderError';
    this.operation = init.operation;
    this.reference = init.reference;
    this.retryable = init.retryable;
    this.code = init.code;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
  }
}
