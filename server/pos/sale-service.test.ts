/**
 * The counter's sale service against a fake in-store payment port and a real (PGlite) store: the
 * races and failures the browser tests cannot stage.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDb } from '../../tests/helpers/db.js';
import { silentLogger } from '../log.js';
import { PaymentProviderError } from '../payments/errors.js';
import type { InStorePayments, PushPaymentRequest } from '../payments/in-store.js';
import type { ReservationSnapshot } from '../payments/port.js';
import { CatalogueRepository } from '../store/catalogue-repository.js';
import type { Db } from '../store/db.js';
import { SaleRepository } from '../store/sale-repository.js';
import { SaleError, SaleService } from './sale-service.js';

class FakeInStore implements InStorePayments {
  readonly calls: { op: string; reference: string; amountOre?: number; key?: string }[] = [];
  readonly payments = new Map<string, ReservationSnapshot>();
  fail: Record<string, PaymentProviderError | undefined> = {};

  private take(op: string, reference: string) {
    const f = this.fail[op];
    if (f) {
      this.fail[op] = undefined;
      throw f;
    }
    const p = this.payments.get(reference);
    if (!p && op !== 'push') throw new PaymentProviderError('not found', { operation: op, reference, retryable: false, status: 404 });
    return p!;
  }

  async push(req: PushPaymentRequest) {
    this.calls.push({ op: 'push', reference: req.reference, amountOre: req.amountOre, key: req.idempotencyKey });
    this.take('push', req.reference);
    this.payments.set(req.reference, { reference: req.reference, status: 'pending', amountOre: req.amountOre, authorizedOre: 0, capturedOre: 0, cancelledOre: 0, refundedOre: 0 });
  }
  async personalQrPhone() {
    return '4791234567';
  }
  async get(reference: string) {
    this.calls.push({ op: 'get', reference });
    return { ...this.take('get', reference) };
  }
  async capture(reference: string, amountOre: number, key: string) {
    this.calls.push({ op: 'capture', reference, amountOre, key });
    const p = this.take('capture', reference);
    p.capturedOre = amountOre;
    return { ...p };
  }
  async cancel(reference: string, key: string) {
    this.calls.push({ op: 'cancel', reference, key });
    const p = this.take('cancel', reference);
    if (p.status === 'pending') p.status = 'terminated';
    else p.cancelledOre = p.authorizedOre - p.capturedOre;
    return { ...p };
  }
  async refund(reference: string, amountOre: number, key: string) {
    this.calls.push({ op: 'refund', reference, amountOre, key });
    const p = this.take('refund', reference);
    p.refundedOre += amountOre;
    return { ...p };
  }
  approve(reference: string) {
    const p = this.payments.get(reference)!;
    p.status = 'authorized';
    p.authorizedOre = p.amountOre;
  }
}

let db: Db;
let pay: FakeInStore;
let now: Date;
let svc: SaleService;
let seq = 0;

beforeAll(async () => {
  db = await freshDb('pglite');
});
afterAll(() => db.close());

beforeEach(async () => {
  for (const t of ['pos_refunds', 'pos_sales', 'pos_catalogue_items', 'pos_till_scans']) await db.query(`delete from ${t}`);
  pay = new FakeInStore();
  now = new Date('2026-12-01T09:00:00Z');
  const catalogue = new CatalogueRepository();
  await catalogue.insert(db, { id: 'coffee', name: 'Coffee', priceOre: 4500, vatRateBp: 1500, active: true }, now);
  await catalogue.insert(db, { id: 'cable', name: 'Cable', priceOre: 189900, vatRateBp: 2500, active: true }, now);
  await catalogue.insert(db, { id: 'old', name: 'Old', priceOre: 100, vatRateBp: 2500, active: false }, now);
  svc = new SaleService({ db, sales: new SaleRepository(), catalogue, payments: pay, clock: { now: () => now }, logger: silentLogger, newSaleId: () => `${(++seq).toString(16).padStart(12, '0')}` });
});

const later = (ms: number) => (now = new Date(now.getTime() + ms));
const basket = { tillId: 'till-1', customer: { phone: '91234567', country: 'NO' }, lines: [{ itemId: 'coffee', quantity: 1 }, { itemId: 'cable', quantity: 1 }] };
const ops = (op: string) => pay.calls.filter((c) => c.op === op);

describe('SaleService', () => {
  it('numbers receipts per till, and sends with a key derived from the reference', async () => {
    const a = await svc.start(basket);
    const b = await svc.start(basket);
    const c = await svc.start({ ...basket, tillId: 'till-2' });
    expect([a.receiptNumber, b.receiptNumber, c.receiptNumber]).toEqual([1, 2, 1]);
    expect(ops('push').map((x) => x.key)).toEqual([`${a.reference}-create`, `${b.reference}-create`, `${c.reference}-create`]);
  });

  it('refuses an inactive item without writing a sale', async () => {
    await expect(svc.start({ ...basket, lines: [{ itemId: 'old', quantity: 1 }] })).rejects.toThrow(SaleError);
    expect((await db.query<{ n: number }>('select count(*)::int as n from pos_sales')).rows[0]!.n).toBe(0);
  });

  it('captures the full amount once, however often it is looked at', async () => {
    const s = await svc.start(basket);
    pay.approve(s.reference);
    await Promise.all([svc.pollOpen(), svc.pollOpen(), svc.onPaymentNotification({ reference: s.reference, pspReference: 'x', name: 'AUTHORIZED', amountOre: s.totalOre, success: true, timestamp: '' })]);
    expect((await svc.get(s.id)).state).toBe('captured');
    expect(ops('capture')).toEqual([{ op: 'capture', reference: s.reference, amountOre: 194400, key: `${s.reference}-capture` }]);
  });

  it('a failed capture stays paid, says so, and is retried with the same key', async () => {
    const s = await svc.start(basket);
    pay.approve(s.reference);
    pay.fail.capture = new PaymentProviderError('down', { operation: 'capture', retryable: true, status: 503 });
    await svc.pollOpen();
    const stuck = await svc.get(s.id);
    expect(stuck.state).toBe('paid');
    expect(stuck.problem).toMatch(/keeps trying/);
    await svc.pollOpen();
    expect((await svc.get(s.id)).state).toBe('captured');
    expect(new Set(ops('capture').map((c) => c.key))).toEqual(new Set([`${s.reference}-capture`]));
  });

  it('cancel after the customer approved refuses, and the sale is captured instead', async () => {
    const s = await svc.start(basket);
    pay.approve(s.reference);
    await svc.pollOpen();
    await expect(svc.cancel(s.id)).rejects.toThrow(/cannot be cancelled/);
    expect(ops('cancel')).toHaveLength(0);
    expect((await svc.get(s.id)).state).toBe('captured');
  });

  it('a cancel that does not reach Vipps is retried by the poller; nothing is captured', async () => {
    const s = await svc.start(basket);
    pay.fail.cancel = new PaymentProviderError('down', { operation: 'cancel', retryable: true, status: 503 });
    const c = await svc.cancel(s.id);
    expect(c.state).toBe('cancelled');
    expect(c.problem).toMatch(/keeps trying/);
    // Meanwhile the customer approves: the approval is released, not captured.
    pay.approve(s.reference);
    await svc.pollOpen();
    const done = await svc.get(s.id);
    expect(done).toMatchObject({ state: 'cancelled', problem: null });
    expect(ops('capture')).toHaveLength(0);
    expect(pay.payments.get(s.reference)!.cancelledOre).toBe(194400);
  });

  it('a refused request (5080) fails the sale with words for the cashier', async () => {
    pay.fail.push = new PaymentProviderError('refused', { operation: 'push', retryable: false, status: 400, code: '5080' });
    const s = await svc.start(basket);
    expect(s.state).toBe('failed');
    expect(s.problem).toMatch(/PUSH_MESSAGE is not enabled/);
  });

  it('an unknown outcome is read back: found → waiting; never found → failed after a while', async () => {
    pay.fail.push = new PaymentProviderError('timeout', { operation: 'push', retryable: true, code: 'timeout' });
    const lost = await svc.start(basket);
    expect(lost.state).toBe('created');
    expect(lost.problem).toMatch(/not answered yet/);
    // One that did reach Vipps: read back as waiting, the warning gone.
    pay.fail.push = new PaymentProviderError('timeout', { operation: 'push', retryable: true, code: 'timeout' });
    const reached = await svc.start(basket);
    pay.payments.set(reached.reference, { reference: reached.reference, status: 'pending', amountOre: reached.totalOre, authorizedOre: 0, capturedOre: 0, cancelledOre: 0, refundedOre: 0 });
    await svc.pollOpen();
    expect(await svc.get(reached.id)).toMatchObject({ state: 'waiting', problem: null });
    later(10_000);
    await svc.pollOpen();
    expect((await svc.get(lost.id)).state).toBe('created');
    later(60_000);
    await svc.pollOpen();
    expect((await svc.get(lost.id)).state).toBe('failed');
  });

  it('refunds with one key per refund, never above what was captured, and the day nets them out', async () => {
    const s = await svc.start(basket);
    pay.approve(s.reference);
    await svc.pollOpen();
    await svc.refund(s.id, 4500);
    await expect(svc.refund(s.id, 189901)).rejects.toThrow(/No refund/);
    await svc.refund(s.id, 189900);
    expect(ops('refund').map((r) => r.key)).toEqual([`${s.reference}-refund-1`, `${s.reference}-refund-2`]);
    const day = await svc.day();
    expect(day.day).toBe('2026-12-01');
    expect(day.tills[0]!.takings.grossOre).toBe(0);
    expect(day.tills[0]!.refunds.reduce((a, b) => a + b.grossOre, 0)).toBe(194400);
  });

  it('a sale after midnight in Oslo belongs to the next day', async () => {
    now = new Date('2026-12-01T23:30:00Z'); // 00:30 in Oslo
    const s = await svc.start(basket);
    pay.approve(s.reference);
    await svc.pollOpen();
    expect((await svc.day('2026-12-02')).sales.map((x) => x.id)).toEqual([s.id]);
    expect((await svc.day('2026-12-01')).sales).toEqual([]);
  });
});
