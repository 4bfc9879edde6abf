/** In-memory stand-ins for the payment and charger ports, recording every call. */
import type { ChargerCommands } from '../../server/chargers/port.js';
import type { PaymentPort, Receipt, ReservationSnapshot } from '../../server/payments/port.js';

export class FakePayments implements PaymentPort {
  readonly calls: Array<{ op: string; reference: string; amountOre?: number; key?: string }> = [];
  readonly payments = new Map<string, ReservationSnapshot>();
  readonly receipts = new Map<string, Receipt>();
  readonly links = new Map<string, string>();
  /** Fail the next N calls of an operation (simulates a crash or an outage mid-way). */
  failNext: Record<string, number> = {};

  private maybeFail(op: string) {
    if ((this.failNext[op] ?? 0) > 0) {
      this.failNext[op]--;
      throw Object.assign(new Error(`fake ${op} outage`), { status: 503 });
    }
  }

  async reserve(req: { reference: string; amountOre: number; idempotencyKey: string }) {
    this.calls.push({ op: 'reserve', reference: req.reference, amountOre: req.amountOre, key: req.idempotencyKey });
    this.maybeFail('reserve');
    this.payments.set(req.reference, { reference: req.reference, status: 'pending', amountOre: req.amountOre, authorizedOre: 0, capturedOre: 0, cancelledOre: 0, refundedOre: 0 });
    return { redirectUrl: `https://app.example/${req.reference}` };
  }

  async reservePushed(req: { reference: string; amountOre: number; idempotencyKey: string }) {
    this.calls.push({ op: 'reservePushed', reference: req.reference, amountOre: req.amountOre, key: req.idempotencyKey });
    this.maybeFail('reservePushed');
    this.payments.set(req.reference, { reference: req.reference, status: 'pending', amountOre: req.amountOre, authorizedOre: 0, capturedOre: 0, cancelledOre: 0, refundedOre: 0 });
  }

  authorize(reference: string) {
    const p = this.payments.get(reference)!;
    p.status = 'authorized';
    p.authorizedOre = p.amountOre;
  }

  async getReservation(reference: string) {
    this.calls.push({ op: 'get', reference });
    this.maybeFail('get');
    const p = this.payments.get(reference);
    if (!p) throw Object.assign(new Error('not found'), { status: 404 });
    return { ...p };
  }

  async capture(reference: string, amountOre: number, key: string) {
    this.calls.push({ op: 'capture', reference, amountOre, key });
    this.maybeFail('capture');
    const p = this.payments.get(reference)!;
    if (amountOre > p.authorizedOre - p.capturedOre - p.cancelledOre) throw new Error('6090 capture exceeds reservation');
    p.capturedOre += amountOre;
    return { ...p };
  }

  async cancel(reference: string, key: string) {
    this.calls.push({ op: 'cancel', reference, key });
    this.maybeFail('cancel');
    const p = this.payments.get(reference)!;
    if (p.status === 'pending') p.status = 'terminated';
    else p.cancelledOre = p.authorizedOre - p.capturedOre;
    return { ...p };
  }

  async sendReceipt(reference: string, receipt: Receipt) {
    this.calls.push({ op: 'receipt', reference });
    this.maybeFail('receipt');
    if (this.receipts.has(reference)) return 'already-sent' as const;
    this.receipts.set(reference, receipt);
    return 'sent' as const;
  }

  async setReceiptLink(reference: string, url: string) {
    this.links.set(reference, url);
  }

  count(op: string) {
    return this.calls.filter((c) => c.op === op).length;
  }
}

export class FakeChargers implements ChargerCommands {
  readonly calls: Array<{ op: string; chargerId: string; arg?: unknown }> = [];
  startAnswer: 'accepted' | 'rejected' | Error = 'accepted';
  stopAnswer: 'accepted' | 'rejected' | Error = 'accepted';

  async remoteStart(chargerId: string, connectorNo: number, idTag: string) {
    this.calls.push({ op: 'remoteStart', chargerId, arg: { connectorNo, idTag } });
    if (this.startAnswer instanceof Error) throw this.startAnswer;
    return this.startAnswer;
  }
  async remoteStop(chargerId: string, transactionId: number) {
    this.calls.push({ op: 'remoteStop', chargerId, arg: transactionId });
    if (this.stopAnswer instanceof Error) throw this.stopAnswer;
    return this.stopAnswer;
  }
  async changeConfiguration() {
    return 'accepted' as const;
  }
  triggerAnswer: 'accepted' | 'rejected' | Error = 'accepted';
  async triggerMessage(chargerId: string, message: string, connectorNo?: number) {
    this.calls.push({ op: 'triggerMessage', chargerId, arg: { message, connectorNo } });
    if (this.triggerAnswer instanceof Error) throw this.triggerAnswer;
    return this.triggerAnswer;
  }
  async changeAvailability(chargerId: string, connectorNo: number, available: boolean) {
    this.calls.push({ op: 'changeAvailability', chargerId, arg: { connectorNo, available } });
    return 'accepted' as const;
  }
  async reset() {
    return 'accepted' as const;
  }
  async unlockConnector(chargerId: string, connectorNo: number) {
    this.calls.push({ op: 'unlockConnector', chargerId, arg: connectorNo });
    return 'unlocked' as const;
  }
  async isConnected() {
    return true;
  }
  count(op: string) {
    return this.calls.filter((c) => c.op === op).length;
  }
}

/** The server secret (config.secret) services get in tests: long enough, and obviously not real. */
export const TEST_SERVER_SECRET = Buffer.from('plugpay-test-server-secret-not-for-production');
