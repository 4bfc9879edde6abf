/**
 * The verdict of a chaos run. Ground truth comes from outside plugpay:
 * - money: the Vipps sandbox's own records (its state file): per reference the authorized,
 *   captured and cancelled amounts and the event log;
 * - energy and time: the ledger of our own chargers (meter start/stop, start/stop time),
 *   priced with the tariff the connector page showed, by server/domain/tariff.ts.
 *
 * The rule checked (README, money rules): capture = min(cost of what was delivered, authorized),
 * at most once per reference, and the rest of the reservation released.
 */
import type { SessionView } from '../../src/lib/shared/api.js';
import { costOf, type Tariff } from '../../server/domain/tariff.js';
import type { Payment, SandboxState } from '../../server/sim/vipps/state.js';
import type { DriverResult } from './driver.js';
import type { DeliveredTransaction } from './ocpp-charger.js';

export type ProblemKind = 'wrong-capture' | 'open-reservation' | 'double-capture' | 'double-start' | 'stuck' | 'books-disagree' | 'unpaid-energy' | 'orphan';

export interface Problem {
  kind: ProblemKind;
  session?: number;
  reference?: string;
  detail: string;
}

export interface SessionCheck {
  index: number;
  connectorId: string;
  sessionId?: string;
  reference?: string;
  state?: string;
  stopReason?: string;
  authorizedOre: number;
  capturedOre: number;
  cancelledOre: number;
  deliveredWh: number;
  durationSeconds: number;
  costOre: number;
  expectedOre: number;
  toleranceOre: number;
  exact: boolean;
}

export interface Verdict {
  checks: SessionCheck[];
  problems: Problem[];
  /** sandbox payments no driver knew of (a reservation whose answer a kill swallowed) */
  orphanPayments: number;
  totals: { authorizedOre: number; capturedOre: number; expectedOre: number; costOre: number; exact: number; priced: number };
}

export interface VerifyInput {
  drivers: DriverResult[];
  /** every transaction of every connector, keyed by connector id */
  transactions: Map<string, DeliveredTransaction[]>;
  /** plugpay's final view of each session (undefined: could not be read) */
  views: Map<string, SessionView | undefined>;
  sandbox: SandboxState;
  meterIntervalSeconds: number;
}

const FINAL = new Set(['completed', 'failed']);

/**
 * The tolerance, per session: what one meter interval is worth at the power the charger ran (its energy at the energy price, plus that interval's time fee), plus 2 øre for
 * rounding. plugpay may bill from the last reading it had instead of the final register;
 * beyond that, a difference is a mismatch.
 */
export function toleranceOre(tariff: Tariff, powerW: number, intervalS: number): number {
  const wh = (powerW * intervalS) / 3600;
  return Math.ceil((wh * tariff.pricePerKwhOre) / 1000) + Math.ceil((intervalS * tariff.perMinuteOre) / 60) + 2;
}

/** Usage and cost of what a connector really delivered in these transactions. */
export function deliveredCost(tariff: Tariff, txs: DeliveredTransaction[]): { energyWh: number; durationSeconds: number; costOre: number } {
  let energyWh = 0;
  let durationSeconds = 0;
  let costOre = 0;
  for (const t of txs) {
    if (t.meterStopWh === undefined || t.stoppedAtMs === undefined) continue;
    const e = t.meterStopWh - t.meterStartWh;
    // The charger's own timestamps (its skew cancels out in the difference); whole seconds,
    // as a billing clock counts them.
    const d = Math.max(0, Math.floor((Date.parse(t.stopTimestamp!) - Date.parse(t.startTimestamp)) / 1000));
    energyWh += e;
    durationSeconds += d;
    costOre += costOf(tariff, { energyWh: e, durationSeconds: d }).totalOre;
  }
  return { energyWh, durationSeconds, costOre };
}

function sumEvents(p: Payment, name: string): number {
  return p.events.filter((e) => e.name === name && e.success).length;
}

export function verify(input: VerifyInput): Verdict {
  const problems: Problem[] = [];
  const checks: SessionCheck[] = [];
  const payments = new Map(Object.values(input.sandbox.payments).map((p) => [p.reference, p]));
  const known = new Set<string>();
  const totals = { authorizedOre: 0, capturedOre: 0, expectedOre: 0, costOre: 0, exact: 0, priced: 0 };

  for (const d of input.drivers) {
    const txs = input.transactions.get(d.connectorId) ?? [];
    const p = d.reference ? payments.get(d.reference) : undefined;
    if (d.reference) known.add(d.reference);
    const view = d.sessionId ? input.views.get(d.sessionId) : undefined;
    const authorizedOre = p?.authorized ?? 0;
    const capturedOre = p?.captured ?? 0;
    const cancelledOre = p?.cancelled ?? 0;
    const say = (kind: ProblemKind, detail: string) => problems.push({ kind, session: d.plan.index, reference: d.reference, detail });

    const running = txs.filter((t) => t.meterStopWh === undefined);
    if (running.length > 0) say('stuck', `a transaction is still running on ${d.connectorId} after the run`);
    if (txs.length > 1) {
      say('double-start', `${txs.length} transactions on one session's connector (${txs.map((t) => `${t.idTag}:${t.stopReason ?? 'running'}`).join(', ')})`);
    }
    const tariff = d.tariff ? ({ id: 'shown', ...d.tariff } as Tariff) : undefined;
    const delivered = tariff ? deliveredCost(tariff, txs) : { energyWh: 0, durationSeconds: 0, costOre: 0 };
    const expectedOre = authorizedOre > 0 ? Math.min(delivered.costOre, authorizedOre) : 0;
    const tol = tariff ? toleranceOre(tariff, d.plan.charger.powerW, input.meterIntervalSeconds) : 0;

    if (!d.sessionId) {
      if (txs.length > 0) say('unpaid-energy', `${delivered.energyWh} Wh delivered on ${d.connectorId}, where no session was ever created`);
    } else {
      if (!view) say('stuck', `plugpay did not answer for session ${d.sessionId}`);
      else if (!FINAL.has(view.state)) say('stuck', `session ${d.sessionId} is still ${view.state} after settling`);
      if (!p) {
        say('books-disagree', `the sandbox has no payment ${d.reference} for session ${d.sessionId}`);
      } else {
        if (p.state === 'AUTHORIZED' && capturedOre + cancelledOre < authorizedOre) {
          say('open-reservation', `${authorizedOre - capturedOre - cancelledOre} øre of ${authorizedOre} neither captured nor released (captured ${capturedOre}, cancelled ${cancelledOre})`);
        }
        const captures = sumEvents(p, 'CAPTURED');
        if (captures > 1 || capturedOre > authorizedOre) say('double-capture', `${captures} captures, ${capturedOre} øre captured of ${authorizedOre} authorized`);
        if (delivered.energyWh > 0 && authorizedOre === 0) {
          say('unpaid-energy', `${delivered.energyWh} Wh delivered (${delivered.costOre} øre) but the payment was never authorized (${p.state})`);
        }
        if (Math.abs(capturedOre - expectedOre) > tol) {
          say(
            'wrong-capture',
            `captured ${capturedOre} øre, expected ${expectedOre} (delivered ${delivered.energyWh} Wh in ${delivered.durationSeconds} s = ${delivered.costOre} øre, authorized ${authorizedOre}; tolerance ${tol}); plugpay: ${view?.state ?? '?'} ${view?.stopReason ?? ''} energy ${view?.energyWh ?? '?'} Wh cost ${view?.costOre ?? '?'}`
          );
        }
        if (view?.receipt && view.receipt.capturedOre !== capturedOre) {
          say('books-disagree', `plugpay's receipt says ${view.receipt.capturedOre} øre captured, Vipps says ${capturedOre}`);
        }
        if (view?.state === 'failed' && capturedOre > 0) say('books-disagree', `session failed in plugpay but ${capturedOre} øre were captured`);
      }
    }
    const exact = capturedOre === expectedOre;
    if (p && tariff) {
      totals.priced++;
      if (exact) totals.exact++;
    }
    totals.authorizedOre += authorizedOre;
    totals.capturedOre += capturedOre;
    totals.expectedOre += expectedOre;
    totals.costOre += delivered.costOre;
    checks.push({
      index: d.plan.index,
      connectorId: d.connectorId,
      sessionId: d.sessionId,
      reference: d.reference,
      state: view?.state,
      stopReason: view?.stopReason,
      authorizedOre,
      capturedOre,
      cancelledOre,
      deliveredWh: delivered.energyWh,
      durationSeconds: delivered.durationSeconds,
      costOre: delivered.costOre,
      expectedOre,
      toleranceOre: tol,
      exact
    });
  }

  // Payments no driver knew of: reservations whose answer was lost. Nobody approved them, so
  // nothing may be captured, and nothing may stay reserved.
  let orphanPayments = 0;
  for (const p of payments.values()) {
    if (known.has(p.reference)) continue;
    orphanPayments++;
    if (p.captured > 0) problems.push({ kind: 'orphan', reference: p.reference, detail: `a payment no driver knew of has ${p.captured} øre captured` });
    if (p.state === 'AUTHORIZED' && p.captured + p.cancelled < p.authorized) {
      problems.push({ kind: 'open-reservation', reference: p.reference, detail: `a payment no driver knew of is authorized and not released` });
    }
    if (sumEvents(p, 'CAPTURED') > 1) problems.push({ kind: 'double-capture', reference: p.reference, detail: 'more than one capture' });
  }
  return { checks, problems, orphanPayments, totals };
}
