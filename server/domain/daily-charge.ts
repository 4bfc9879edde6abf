/**
 * Pay-as-you-go membership, the pure part: a member's finished sessions of one local day become
 * one Recurring charge with one receipt line per session, and the agreement's limit decides
 * whether a session may start and when it must stop.
 *
 * Rules and where they come from:
 * - the limit of a VARIABLE agreement is max(suggestedMaxAmount, maxAmount): a charge up to
 *   `suggestedMaxAmount` is allowed even above the user's `maxAmount` (RECD "variable amount";
 *   API-NOTES §10);
 * - a charge is at least 100 øre (REC `CreateChargeV3.amount` minimum), and its `description`
 *   at most 45 characters (REC `CreateChargeV3.description`);
 * - days are local days in the operator's time zone (Europe/Oslo by default), computed from the
 *   instant the caller's clock gives; no clock is read here.
 */
import { splitVat, type Ore } from './money.js';
import { kwhQuantity, type ReceiptLine } from './receipt.js';

/** A finished member session, as the daily charge needs it. */
export interface FinishedSession {
  id: string;
  /** When it stopped: decides the day it belongs to. */
  stoppedAt: Date;
  startedAt?: Date;
  energyWh: number;
  costOre: Ore;
  vatRateBp: number;
  /** e.g. the station's name, shown on the receipt line. */
  place: string;
}

/** REC `CreateChargeV3.amount` minimum. */
export const MIN_CHARGE_ORE = 100;
/** REC `CreateChargeV3.description` maximum length. */
export const MAX_DESCRIPTION = 45;

/** The local calendar date (YYYY-MM-DD) of an instant in `timeZone`. */
export function localDate(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** `date` (YYYY-MM-DD) plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The local time (HH:MM, 24 h) of an instant in `timeZone`. */
export function localTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

/** kWh with one decimal and a decimal comma, as Norwegian receipts write it: 42737 Wh → "42,7". */
export function kwhText(energyWh: number): string {
  const tenths = Math.round(Math.max(0, energyWh) / 100);
  return `${Math.floor(tenths / 10)},${tenths % 10}`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * The charge's description, shown in the app: "Charging on Tuesday 1 December: 3 sessions,
 * 42,7 kWh". Shortened step by step (abbreviated day and month, then no weekday) so it never
 * passes the 45 characters the document allows.
 */
export function chargeDescription(date: string, sessions: number, energyWh: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  const weekday = WEEKDAYS[d.getUTCDay()]!;
  const month = MONTHS[d.getUTCMonth()]!;
  const day = d.getUTCDate();
  const what = `${sessions} session${sessions === 1 ? '' : 's'}, ${kwhText(energyWh)} kWh`;
  const candidates = [
    `Charging on ${weekday} ${day} ${month}: ${what}`,
    `Charging ${weekday.slice(0, 3)} ${day} ${month.slice(0, 3)}: ${what}`,
    `Charging ${day} ${month.slice(0, 3)}: ${what}`,
    `Charging ${date}`
  ];
  return candidates.find((c) => c.length <= MAX_DESCRIPTION)!;
}

export interface DailyCharge {
  /** The local date the charge is for (its sessions stopped on or before it). */
  date: string;
  amountOre: Ore;
  description: string;
  sessionIds: string[];
  energyWh: number;
  /** One line per session; they add up to `amountOre` exactly. */
  lines: ReceiptLine[];
}

export type DailyChargePlan =
  | { kind: 'charge'; charge: DailyCharge }
  /** Nothing to bill, or less than the minimum charge: the sessions wait for a later day. */
  | { kind: 'nothing'; reason: 'no-sessions' | 'below-minimum'; totalOre: Ore };

/**
 * The one charge for `date`: every unbilled finished session that stopped on or before that local
 * day (a day below the 1 kr minimum carries its sessions over to the next one). Sessions that cost
 * nothing (no energy) are left out of the receipt, and so are sessions of later days.
 */
export function planDailyCharge(date: string, unbilled: FinishedSession[], timeZone: string): DailyChargePlan {
  const due = unbilled
    .filter((s) => localDate(s.stoppedAt, timeZone) <= date && s.costOre > 0)
    .sort((a, b) => a.stoppedAt.getTime() - b.stoppedAt.getTime() || a.id.localeCompare(b.id));
  const totalOre = due.reduce((sum, s) => sum + s.costOre, 0);
  if (due.length === 0) return { kind: 'nothing', reason: 'no-sessions', totalOre: 0 };
  if (totalOre < MIN_CHARGE_ORE) return { kind: 'nothing', reason: 'below-minimum', totalOre };
  const energyWh = due.reduce((sum, s) => sum + s.energyWh, 0);
  const lines: ReceiptLine[] = due.map((s) => ({
    id: s.id,
    name: `${s.place}, ${localTime(s.startedAt ?? s.stoppedAt, timeZone)}–${localTime(s.stoppedAt, timeZone)}: ${kwhText(s.energyWh)} kWh`.slice(0, 100),
    totalOre: s.costOre,
    vatRateBp: s.vatRateBp,
    ...splitVat(s.costOre, s.vatRateBp),
    quantity: kwhQuantity(s.energyWh),
    unit: 'KWH'
  }));
  return {
    kind: 'charge',
    charge: { date, amountOre: totalOre, description: chargeDescription(date, due.length, energyWh), sessionIds: due.map((s) => s.id), energyWh, lines }
  };
}

/** The pricing of a VARIABLE agreement as plugpay keeps it. */
export interface VariablePricing {
  suggestedMaxAmountOre: Ore;
  /** Chosen by the user in the app; unknown until the agreement is accepted. */
  maxAmountOre?: Ore;
}

/** What one charge may be at most: max(suggestedMaxAmount, maxAmount) (RECD "variable amount"). */
export function agreementLimit(p: VariablePricing): Ore {
  return Math.max(p.suggestedMaxAmountOre, p.maxAmountOre ?? 0);
}

export type StartVerdict =
  | { ok: true; budgetOre: Ore }
  | { ok: false; reason: 'limit-reached'; usedOre: Ore; limitOre: Ore };

/**
 * May a member start a session now? `usedOre` is what today's sessions (finished and running)
 * cost so far. A start needs room for at least `minimumOre` (the start fee plus one kWh, say),
 * otherwise it would be stopped at once. The session's budget is what is left of the limit: the
 * state machine's auto-stop keeps the session's cost within it, as it keeps a reservation's.
 */
export function startVerdict(usedOre: Ore, limitOre: Ore, minimumOre: Ore): StartVerdict {
  const left = limitOre - usedOre;
  if (left < Math.max(minimumOre, 1)) return { ok: false, reason: 'limit-reached', usedOre, limitOre };
  return { ok: true, budgetOre: left };
}
