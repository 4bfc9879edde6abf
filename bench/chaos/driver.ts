/**
 * One driver: scan a connector, reserve (POST /api/sessions), approve, reject or walk away in the
 * pretend Vipps app, charge, stop from the phone or at the charger (or both), and make sure the
 * cable is out in the end. Only plugpay's public HTTP API and the sandbox's app page are used.
 *
 * Everything waits with a deadline: a driver never waits forever for plugpay, it writes down
 * what it saw and walks away, and the checks afterwards judge what plugpay did.
 */
import type { SessionView, TariffView } from '../../src/lib/shared/api.js';
import { http, NetworkError, type HttpReply } from './http.js';
import type { ChaosCharger } from './ocpp-charger.js';
import type { Milestone, SessionPlan } from './plan.js';

export interface DriverContext {
  plan: SessionPlan;
  charger: ChaosCharger;
  connectorId: string;
  /** plugpay's base URL (the same across restarts) */
  baseUrl: string;
  address: string;
  /** Called at each milestone; a planned kill -9 may hang off it (the driver does not wait). */
  milestone(m: Milestone): void;
  log(line: string): void;
  /** OCPP_START_TIMEOUT_SECONDS, ms */
  startTimeoutMs: number;
}

export interface DriverResult {
  plan: SessionPlan;
  connectorId: string;
  /** The tariff the connector page showed before paying. */
  tariff?: TariffView;
  sessionId?: string;
  token?: string;
  /** The payment reference, from the path of the redirect URL plugpay gave. */
  reference?: string;
  /** What happened in the app. */
  payment: 'approved' | 'rejected' | 'abandoned' | 'approve-refused' | 'not-created';
  /** What the driver did to stop, in order. */
  stops: string[];
  notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FINAL = new Set(['completed', 'failed']);

export async function drive(ctx: DriverContext): Promise<DriverResult> {
  const { plan } = ctx;
  const result: DriverResult = { plan, connectorId: ctx.connectorId, payment: 'not-created', stops: [], notes: [] };
  const note = (s: string) => {
    result.notes.push(s);
    ctx.log(`session #${plan.index} ${ctx.connectorId}: ${s}`);
  };
  const call = (method: string, path: string, opts: { body?: unknown; bearer?: string } = {}) =>
    http(method, `${ctx.baseUrl}${path}`, { ...opts, localAddress: ctx.address });
  try {
    await sleep(plan.arriveAfterMs);

    // --- scan: the connector page shows the price
    const connector = await retry(90_000, async () => {
      const r = await call('GET', `/api/connectors/${ctx.connectorId}`);
      return r.status === 200 ? (r.json as { tariff: TariffView; available: boolean }) : undefined;
    });
    if (!connector) {
      note('connector page did not load within 90 s');
      return result;
    }
    result.tariff = connector.tariff;

    // --- reserve
    const created = await createSession(call, plan.amountOre, ctx.connectorId, note);
    if (!created) return result;
    result.sessionId = created.sessionId;
    result.token = created.token;
    const redirect = new URL(created.redirectUrl);
    result.reference = decodeURIComponent(redirect.pathname.split('/').pop() ?? '');
    ctx.milestone('created');

    // --- the app
    if (plan.payment === 'abandon') {
      result.payment = 'abandoned';
      return result;
    }
    await sleep(plan.decideAfterMs);
    const decided = await decide(redirect, plan.payment, ctx.address);
    if (decided !== 'ok') {
      note(`${plan.payment} in the app failed: ${decided}`);
      result.payment = 'approve-refused';
      return result;
    }
    result.payment = plan.payment === 'approve' ? 'approved' : 'rejected';
    if (plan.payment === 'reject') return result;
    ctx.milestone('approved');

    // --- wait for the charger to start (or plugpay to give up on it)
    const view = (bearer = created.token) => call('GET', `/api/sessions/${created.sessionId}`, { bearer });
    const started = await retry(ctx.startTimeoutMs + 60_000, async () => {
      if (ctx.charger.activeTransaction(plan.connectorNo) || ctx.charger.transactions.some((t) => t.connectorNo === plan.connectorNo)) return 'started';
      const r = await view().catch(() => undefined);
      const s = r?.status === 200 ? (r.json as SessionView) : undefined;
      if (s && FINAL.has(s.state)) return `session ${s.state} (${s.stopReason ?? 'no reason'})`;
      return undefined;
    }, 500);
    if (started !== 'started') {
      note(`no charging: ${started ?? 'nothing happened within the start timeout'}`);
      return result;
    }
    ctx.milestone('charging');

    // --- charge; plugpay may stop earlier on its own (auto-stop at the reservation)
    const until = Date.now() + plan.chargeMs;
    while (Date.now() < until && ctx.charger.activeTransaction(plan.connectorNo)) await sleep(250);
    if (!ctx.charger.activeTransaction(plan.connectorNo)) note('the charger stopped before the driver did');

    // --- stop
    const phoneStop = async () => {
      result.stops.push('phone');
      const r = await retry(60_000, async () => {
        const res = await call('POST', `/api/sessions/${created.sessionId}/stop`, { bearer: created.token }).catch((err: unknown) => {
          if (err instanceof NetworkError) return undefined;
          throw err;
        });
        if (!res) return undefined;
        if (res.status >= 500 || res.status === 429) return undefined;
        return res;
      }, 1_000);
      if (!r) note('phone stop: no answer within 60 s');
      else if (r.status !== 200) note(`phone stop answered ${r.status}: ${problemDetail(r)}`);
      ctx.milestone('stop-requested');
    };
    const chargerStop = (how: 'charger' | 'unplug') => {
      result.stops.push(how);
      const done = how === 'charger' ? ctx.charger.pressStop(plan.connectorNo) : ctx.charger.unplug(plan.connectorNo);
      if (done) ctx.milestone('charger-stopped');
    };
    if (plan.stop === 'phone') await phoneStop();
    else if (plan.stop === 'charger' || plan.stop === 'unplug') chargerStop(plan.stop);
    else if (plan.phoneFirst) {
      const p = phoneStop();
      await sleep(50);
      chargerStop('charger');
      await p;
    } else {
      chargerStop('charger');
      await phoneStop();
    }

    // A charger that refused or ignored RemoteStop keeps charging: the driver notices and unplugs.
    const ended = await retry(10_000, () => (ctx.charger.activeTransaction(plan.connectorNo) ? undefined : true), 250);
    if (!ended) {
      note('still charging 10 s after the stop: unplugging');
      chargerStop('unplug');
    }
    return result;
  } catch (err) {
    note(`driver failed: ${(err as Error).message}`);
    return result;
  } finally {
    // Whatever happened, the car leaves: no transaction stays open on this connector.
    if (ctx.charger.unplug(plan.connectorNo)) note('unplugged at the end of the drive');
    ctx.milestone('done');
  }
}

async function createSession(
  call: (method: string, path: string, opts?: { body?: unknown }) => Promise<HttpReply>,
  amountOre: number,
  connectorId: string,
  note: (s: string) => void
): Promise<{ sessionId: string; token: string; redirectUrl: string } | undefined> {
  // 409 (in use: perhaps by our own earlier attempt whose answer a kill swallowed) waits for the
  // connector to come free; a provider failure (502) is tried a few times; then the driver leaves.
  const until = Date.now() + 180_000;
  let providerFailures = 0;
  let last = '';
  while (Date.now() < until) {
    let r: HttpReply;
    try {
      r = await call('POST', '/api/sessions', { body: { connectorId, amountOre } });
    } catch (err) {
      // The request may have been processed before plugpay died: a session we hold no token for.
      last = (err as Error).message;
      await sleep(1_000);
      continue;
    }
    if (r.status === 201) return r.json as { sessionId: string; token: string; redirectUrl: string };
    last = `${r.status} ${problemDetail(r)}`;
    if (r.status === 502 && ++providerFailures >= 6) break;
    if (r.status === 400 || r.status === 403 || r.status === 404) break;
    const retryAfter = Number(r.headers['retry-after']);
    await sleep(r.status === 429 && retryAfter > 0 ? retryAfter * 1000 : r.status === 409 ? 3_000 : 1_500);
  }
  note(`could not reserve: ${last}`);
  return undefined;
}

/** Taps approve or reject on the sandbox's app page (a plain HTML form post). */
async function decide(appPage: URL, action: 'approve' | 'reject', address: string): Promise<string> {
  const token = appPage.searchParams.get('token') ?? '';
  const url = `${appPage.origin}${appPage.pathname}/${action}`;
  let last = '';
  const until = Date.now() + 40_000;
  while (Date.now() < until) {
    try {
      const r = await http('POST', url, { form: { token }, localAddress: address });
      // 303 to plugpay's return URL, as the real app does after a choice.
      if (r.status === 303 || r.status === 200) return 'ok';
      last = `app page answered ${r.status}`;
      if (r.status === 404 || r.status === 409) return last; // expired, or already decided
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(1_000);
  }
  return last;
}

/** Calls `fn` until it returns something, every `everyMs`, for at most `ms`. */
export async function retry<T>(ms: number, fn: () => Promise<T | undefined> | T | undefined, everyMs = 1_000): Promise<T | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      // a network error while plugpay is down: try again
    }
    if (Date.now() >= until) return undefined;
    await sleep(everyMs);
  }
}

function problemDetail(r: HttpReply): string {
  const j = r.json as { detail?: string; title?: string } | undefined;
  return j?.detail ?? j?.title ?? r.text.slice(0, 120);
}
