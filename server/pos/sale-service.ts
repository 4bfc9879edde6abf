/**
 * Selling at the counter (API-NOTES §12 flow C): the cashier's basket becomes a payment request
 * pushed to the customer's phone with the receipt attached; when the customer approves, the full
 * amount is captured at once (the goods are handed over); a rejected, expired or cancelled
 * request captures nothing.
 *
 * Vipps is the source of truth about the payment. The webhook and the poller only say "look":
 * {@link SaleService.refresh} reads the payment back before a sale moves. Every move is a
 * conditional update (sale-repository.ts), so of two racing actors only one acts on Vipps, and
 * every call that moves money carries a key derived from the sale's reference, so a retry can
 * never capture or refund twice.
 */
import { randomBytes } from 'node:crypto';
import { maskMsisdn, parsePhoneNumber } from '../domain/phone.js';
import { basketProblems, refundByRate, saleReceipt, saleTransition, vatByRate, type BasketLine, type SaleState } from '../domain/sale.js';
import { tillDays } from '../domain/till-day.js';
import type { Logger } from '../log.js';
import { PaymentProviderError } from '../payments/errors.js';
import type { InStoreCustomer, InStorePayments } from '../payments/in-store.js';
import type { PaymentNotification, ReservationSnapshot } from '../payments/port.js';
import type { Clock } from '../sessions/ports.js';
import type { CatalogueRepository } from '../store/catalogue-repository.js';
import type { Db } from '../store/db.js';
import type { SaleRecord, SaleRepository } from '../store/sale-repository.js';
import { customerBody, startSaleBody, type DayView, type IdentifiedCustomer, type SaleView } from '../../src/lib/shared/pos.js';
import { businessDay } from './business-day.js';

/** A refusal the cashier should read; `status` is the HTTP status the API answers with. */
export class SaleError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 502,
    message: string
  ) {
    super(message);
    this.name = 'SaleError';
  }
}

export interface SaleDeps {
  db: Db;
  sales: SaleRepository;
  catalogue: CatalogueRepository;
  payments: InStorePayments;
  clock: Clock;
  logger: Logger;
  newSaleId?: () => string;
  /** Shown in the app as the payment's description. */
  merchantName?: string;
  timeZone?: string;
}

/** A request Vipps never confirmed creating is given up this long after it was written. */
const UNKNOWN_CREATE_GIVE_UP_MS = 45_000;
/** The page polls every second or so; Vipps allows 120 reads a minute per payment (API-NOTES §6). */
const MIN_READ_INTERVAL_MS = 1_000;
/** Set on a sale whose payment request Vipps has not confirmed yet. */
const NOT_ANSWERED = 'Vipps MobilePay has not answered yet. plugpay keeps asking; do not send the sale again.';
/** Set on a cancelled sale whose Vipps cancel did not go through yet; the poller tries again. */
const RELEASE_PENDING = 'The cancellation has not reached Vipps MobilePay yet; plugpay keeps trying.';

/** What Vipps' codes mean at the counter (TK errors.md). */
const PROVIDER_WORDS: Record<string, string> = {
  '4060': 'That code is not a Vipps MobilePay personal QR code. Ask the customer to show "My QR code" in the app and scan again.',
  '4070': 'Vipps MobilePay does not accept that phone number. Check it with the customer.',
  '5080': 'This shop may not send payment requests to phones yet (PUSH_MESSAGE is not enabled for the sales unit). Contact Vipps MobilePay.',
  '7010': 'Vipps MobilePay has no user with that phone number.'
};

export class SaleService {
  private readonly lastRead = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: SaleDeps) {}

  // ─── identifying the customer ──────────────────────────────────────────────────────────────

  /**
   * Checks what the cashier scanned or typed and says who it is, masked. A scanned code is looked
   * up with the personal-QR exchange (QR `POST /v1/exchange`); if that fails the sale still works,
   * because the request is sent with the code itself (`customer.personalQr`).
   */
  async identify(body: unknown): Promise<IdentifiedCustomer> {
    const customer = this.customerOf(body);
    if (customer.kind === 'phone') return { masked: maskMsisdn(customer.msisdn) };
    try {
      return { masked: maskMsisdn(await this.deps.payments.personalQrPhone(customer.content)) };
    } catch (err) {
      if (err instanceof PaymentProviderError && err.status === 400) throw new SaleError(400, PROVIDER_WORDS['4060']!);
      this.deps.logger.warn({ err }, 'personal QR exchange failed; the sale will send the code itself');
      return { masked: null };
    }
  }

  // ─── a sale ────────────────────────────────────────────────────────────────────────────────

  async start(body: unknown): Promise<SaleView> {
    const parsed = startSaleBody.safeParse(body);
    if (!parsed.success) throw new SaleError(400, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const { tillId, lines: wanted } = parsed.data;
    const customer = this.customerOf(parsed.data.customer);
    const basket: BasketLine[] = [];
    for (const w of wanted) {
      const item = await this.deps.catalogue.find(this.deps.db, w.itemId);
      if (!item || !item.active) throw new SaleError(400, `The item ${w.itemId} is not in the catalogue.`);
      basket.push({ itemId: item.id, name: item.name, unitPriceOre: item.priceOre, quantity: w.quantity, vatRateBp: item.vatRateBp });
    }
    const problems = basketProblems(basket);
    if (problems.length > 0) throw new SaleError(400, basketWords(problems[0]!));

    const masked = customer.kind === 'phone' ? maskMsisdn(customer.msisdn) : await this.maskedPersonalQr(customer.content);
    const now = this.deps.clock.now();
    const id = (this.deps.newSaleId ?? (() => randomBytes(6).toString('hex')))();
    const reference = `pos-${id}`;
    const sale = await this.deps.db.transaction(async (tx) => {
      const receiptNumber = await this.deps.sales.nextReceiptNumber(tx, tillId);
      const receipt = saleReceipt(basket, { posId: tillId, receiptNumber: String(receiptNumber) });
      const total = receipt.lines.reduce((s, l) => s + l.totalOre, 0);
      const record = {
        id,
        tillId,
        receiptNumber,
        reference,
        state: 'created' as const,
        customerKind: customer.kind,
        customerMasked: masked,
        description: `${this.deps.merchantName ?? 'plugpay'}, till ${tillId}, receipt ${receiptNumber}`.slice(0, 100),
        lines: receipt.lines,
        totalOre: total,
        businessDay: businessDay(now, this.deps.timeZone),
        createdAt: now
      };
      await this.deps.sales.insert(tx, record);
      return (await this.deps.sales.find(tx, id))!;
    });

    try {
      await this.deps.payments.push({
        reference,
        amountOre: sale.totalOre,
        customer,
        description: sale.description,
        receipt: { lines: sale.lines, posId: tillId, receiptNumber: String(sale.receiptNumber) },
        idempotencyKey: `${reference}-create`
      });
    } catch (err) {
      const definite = err instanceof PaymentProviderError && !err.retryable && err.status !== undefined && err.status < 500;
      if (definite) {
        const words = (err.code && PROVIDER_WORDS[err.code]) ?? `Vipps MobilePay refused the payment request (${err.code ?? err.status}).`;
        this.deps.logger.warn({ err, saleId: id }, 'payment request refused');
        return this.view(await this.move(sale, 'send-failed', { problem: words }));
      }
      // The outcome is unknown (a timeout, a 5xx): the poller reads the payment back.
      this.deps.logger.warn({ err, saleId: id }, 'payment request outcome unknown; reading it back later');
      const waiting = await this.deps.sales.move(this.deps.db, id, ['created'], { state: 'created', problem: NOT_ANSWERED }, this.deps.clock.now());
      return this.view(waiting ?? sale);
    }
    return this.view(await this.move(sale, 'sent'));
  }

  async get(id: string): Promise<SaleView> {
    return this.view(await this.mustFind(id));
  }

  /** Reads the payment back from Vipps (at most once a second per sale) and moves the sale. */
  async refresh(id: string): Promise<SaleView> {
    const sale = await this.mustFind(id);
    const last = this.lastRead.get(id) ?? 0;
    const now = this.deps.clock.now().getTime();
    if (now - last < MIN_READ_INTERVAL_MS && sale.state !== 'paid') return this.view(sale);
    this.lastRead.set(id, now);
    return this.view(await this.follow(sale));
  }

  async cancel(id: string): Promise<SaleView> {
    const sale = await this.mustFind(id);
    const t = saleTransition(sale, { type: 'cancel-requested' });
    if (!t.ok) throw new SaleError(409, `This sale cannot be cancelled: ${t.reason}.`);
    if (!t.changed) return this.view(sale);
    const moved = await this.deps.sales.move(this.deps.db, id, ['created', 'waiting'], { state: 'cancelled', problem: null }, this.deps.clock.now());
    if (!moved) {
      // Someone else moved it first (the customer approved a moment ago): say what happened.
      const now = await this.follow(await this.mustFind(id));
      throw new SaleError(409, `The sale is already ${now.state}; it was not cancelled.`);
    }
    return this.view(await this.release(moved));
  }

  async refund(id: string, amountOre: number): Promise<SaleView> {
    const sale = await this.mustFind(id);
    const t = saleTransition(sale, { type: 'refunded', amountOre });
    if (!t.ok) throw new SaleError(409, `No refund: ${t.reason}.`);
    const seq = (await this.deps.sales.refundCount(this.deps.db, id)) + 1;
    // Vipps first, with a key naming this refund's place in the sale: a retry after a crash (or
    // a second cashier pressing the same button) repeats the same call instead of refunding twice.
    try {
      await this.deps.payments.refund(sale.reference, amountOre, `${sale.reference}-refund-${seq}`);
    } catch (err) {
      this.deps.logger.warn({ err, saleId: id, amountOre }, 'refund refused');
      const code = err instanceof PaymentProviderError ? err.code : undefined;
      throw new SaleError(err instanceof PaymentProviderError && err.status !== undefined && err.status < 500 ? 409 : 502, `Vipps MobilePay did not refund it${code ? ` (${code})` : ''}. Nothing was refunded.`);
    }
    const now = this.deps.clock.now();
    const done = await this.deps.db.transaction(async (tx) => {
      await this.deps.sales.addRefund(tx, { saleId: id, seq, amountOre, byRate: refundByRate(sale.lines, amountOre), businessDay: businessDay(now, this.deps.timeZone), createdAt: now });
      const next = t.ok ? t.sale : sale;
      return this.deps.sales.move(tx, id, [sale.state], { state: next.state, refundedOre: next.refundedOre }, now);
    });
    if (!done) throw new SaleError(409, 'The sale changed while refunding; look at it again.');
    return this.view(done);
  }

  /** The day's sales and each till's totals with the VAT split. */
  async day(day?: string): Promise<DayView> {
    const d = day ?? businessDay(this.deps.clock.now(), this.deps.timeZone);
    const sales = await this.deps.sales.forDay(this.deps.db, d);
    const refunds = await this.deps.sales.refundsForDay(this.deps.db, d);
    return { day: d, tills: tillDays(sales, refunds), sales: sales.map((s) => this.view(s)) };
  }

  // ─── the customer-facing scanner ───────────────────────────────────────────────────────────

  async putScan(tillId: string, content: string): Promise<void> {
    await this.deps.sales.putScan(this.deps.db, tillId, content, this.deps.clock.now());
  }

  /** The code the customer scanned at the till in the last two minutes, once. */
  async takeScan(tillId: string): Promise<{ personalQr: string } | null> {
    const since = new Date(this.deps.clock.now().getTime() - 120_000);
    const s = await this.deps.sales.takeScan(this.deps.db, tillId, since);
    return s ? { personalQr: s.content } : null;
  }

  // ─── webhooks and polling ──────────────────────────────────────────────────────────────────

  /** A verified webhook for a counter payment: a hint to read the payment back. */
  async onPaymentNotification(n: PaymentNotification): Promise<void> {
    const sale = await this.deps.sales.findByReference(this.deps.db, n.reference);
    if (!sale) {
      this.deps.logger.warn({ reference: n.reference, name: n.name }, 'webhook for an unknown counter sale');
      return;
    }
    await this.follow(sale);
  }

  /** Follows every sale still open (and releases cancellations Vipps has not heard of yet). */
  async pollOpen(): Promise<void> {
    const open = [...(await this.deps.sales.inStates(this.deps.db, ['created', 'waiting', 'paid'])), ...(await this.deps.sales.cancelledMarked(this.deps.db, RELEASE_PENDING))];
    for (const s of open) {
      await this.follow(s).catch((err) => this.deps.logger.warn({ err, saleId: s.id }, 'counter sale poll failed'));
    }
  }

  startPolling(everyMs = 2_000): void {
    if (this.timer) return;
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void this.pollOpen().finally(() => (busy = false));
    }, everyMs);
    this.timer.unref();
  }

  stopPolling(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  // ─── internals ─────────────────────────────────────────────────────────────────────────────

  private customerOf(body: unknown): InStoreCustomer {
    const c = customerBody.safeParse(body);
    if (!c.success) throw new SaleError(400, 'Scan the customer\'s personal QR code or type their mobile number.');
    if ('personalQr' in c.data) return { kind: 'personal_qr', content: c.data.personalQr };
    const phone = parsePhoneNumber(c.data.phone, c.data.country);
    if (!phone.ok) throw new SaleError(400, phone.reason);
    return { kind: 'phone', msisdn: phone.msisdn };
  }

  /** The masked number behind a scanned code for the sale's record; null when it cannot be looked up. */
  private async maskedPersonalQr(content: string): Promise<string | null> {
    try {
      return maskMsisdn(await this.deps.payments.personalQrPhone(content));
    } catch {
      return null; // the request is sent with the code itself; Vipps decides (4060)
    }
  }

  private async mustFind(id: string): Promise<SaleRecord> {
    const s = await this.deps.sales.find(this.deps.db, id);
    if (!s) throw new SaleError(404, 'No such sale.');
    return s;
  }

  /** Reads the payment and applies what it says; captures when approved. */
  private async follow(sale: SaleRecord): Promise<SaleRecord> {
    if (sale.state === 'cancelled') return sale.problem === RELEASE_PENDING ? this.release(sale) : sale;
    if (sale.state === 'paid') return this.capture(sale);
    if (sale.state !== 'created' && sale.state !== 'waiting') return sale;
    let snap: ReservationSnapshot;
    try {
      snap = await this.deps.payments.get(sale.reference);
    } catch (err) {
      const age = this.deps.clock.now().getTime() - sale.createdAt.getTime();
      if (sale.state === 'created' && err instanceof PaymentProviderError && err.status === 404 && age > UNKNOWN_CREATE_GIVE_UP_MS) {
        return this.move(sale, 'send-failed', { problem: 'Vipps MobilePay never received the payment request. Nothing was charged; send it again.' });
      }
      throw err;
    }
    if (sale.state === 'created') sale = await this.move(sale, 'sent', { problem: null });
    switch (snap.status) {
      case 'authorized': {
        const t = saleTransition(sale, { type: 'authorized', amountOre: snap.authorizedOre });
        if (!t.ok) {
          this.deps.logger.error({ saleId: sale.id, authorizedOre: snap.authorizedOre, totalOre: sale.totalOre }, 'authorized amount differs from the sale; not capturing');
          return sale;
        }
        const paid = await this.deps.sales.move(this.deps.db, sale.id, ['waiting'], { state: 'paid', problem: null }, this.deps.clock.now());
        return paid ? this.capture(paid) : this.mustFind(sale.id);
      }
      case 'rejected':
        return this.move(sale, 'rejected');
      case 'expired':
        return this.move(sale, 'expired');
      case 'terminated':
        return (await this.deps.sales.move(this.deps.db, sale.id, ['waiting'], { state: 'cancelled', problem: null }, this.deps.clock.now())) ?? sale;
      default:
        return sale;
    }
  }

  /** Captures the whole amount of a paid sale, once (the key is the sale's). */
  private async capture(sale: SaleRecord): Promise<SaleRecord> {
    try {
      const snap = await this.deps.payments.capture(sale.reference, sale.totalOre, `${sale.reference}-capture`);
      const moved = await this.deps.sales.move(this.deps.db, sale.id, ['paid'], { state: 'captured', capturedOre: snap.capturedOre, problem: null }, this.deps.clock.now());
      return moved ?? (await this.mustFind(sale.id));
    } catch (err) {
      this.deps.logger.error({ err, saleId: sale.id }, 'capture of an approved counter sale failed; retrying');
      return (
        (await this.deps.sales.move(this.deps.db, sale.id, ['paid'], { state: 'paid', problem: 'Approved; taking the payment is taking longer than usual. plugpay keeps trying.' }, this.deps.clock.now())) ??
        sale
      );
    }
  }

  /** Ends the request (or releases an approval that came too late). */
  private async release(sale: SaleRecord): Promise<SaleRecord> {
    try {
      await this.deps.payments.cancel(sale.reference, `${sale.reference}-cancel`);
      return (await this.deps.sales.move(this.deps.db, sale.id, ['cancelled'], { state: 'cancelled', problem: null }, this.deps.clock.now())) ?? sale;
    } catch (err) {
      this.deps.logger.warn({ err, saleId: sale.id }, 'cancel of a counter sale did not reach Vipps; retrying');
      return (await this.deps.sales.move(this.deps.db, sale.id, ['cancelled'], { state: 'cancelled', problem: RELEASE_PENDING }, this.deps.clock.now())) ?? sale;
    }
  }

  private async move(sale: SaleRecord, event: 'sent' | 'send-failed' | 'rejected' | 'expired', extra: { problem?: string | null } = {}): Promise<SaleRecord> {
    const t = saleTransition(sale, { type: event });
    if (!t.ok || !t.changed) return sale;
    const moved = await this.deps.sales.move(this.deps.db, sale.id, [sale.state], { state: t.sale.state as SaleState, ...extra }, this.deps.clock.now());
    return moved ?? (await this.mustFind(sale.id));
  }

  private view(s: SaleRecord): SaleView {
    return {
      id: s.id,
      tillId: s.tillId,
      receiptNumber: s.receiptNumber,
      reference: s.reference,
      state: s.state,
      customer: s.customerMasked,
      lines: s.lines.map((l) => ({
        name: l.name,
        quantity: l.quantity ?? '1',
        unitPriceOre: l.unitPriceOre ?? l.totalOre,
        totalOre: l.totalOre,
        netOre: l.netOre,
        vatOre: l.vatOre,
        vatRateBp: l.vatRateBp
      })),
      vat: vatByRate(s.lines),
      totalOre: s.totalOre,
      capturedOre: s.capturedOre,
      refundedOre: s.refundedOre,
      problem: s.problem,
      createdAt: s.createdAt.toISOString()
    };
  }
}

function basketWords(p: ReturnType<typeof basketProblems>[number]): string {
  switch (p.kind) {
    case 'empty':
      return 'The basket is empty.';
    case 'too-many-lines':
      return `A sale holds at most ${p.max} lines.`;
    case 'bad-quantity':
      return `The quantity of ${p.itemId} must be a whole number from 1 to 99.`;
    case 'bad-price':
      return `The price of ${p.itemId} is not valid.`;
    case 'bad-vat-rate':
      return `The VAT rate of ${p.itemId} is not one plugpay knows.`;
    case 'total-too-small':
      return 'Vipps MobilePay takes payments of 1,00 kr or more.';
    case 'total-too-large':
      return 'The total is above what Vipps MobilePay takes in one payment.';
  }
}
