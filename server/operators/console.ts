/**
 * The operator console's part of the composition root: staff accounts, the guard shared by the
 * API, the socket room and the pages, the console's actions, and the bridge its pages call.
 * main.ts only wires what this returns.
 */
import { createHmac } from 'node:crypto';
import type { ChargerCommands } from '../chargers/port.js';
import type { Logger } from '../log.js';
import type { ChargingService } from '../sessions/charging-service.js';
import type { Clock } from '../sessions/ports.js';
import { ChargerRepository } from '../store/charger-repository.js';
import type { Db } from '../store/db.js';
import { SessionRepository } from '../store/session-repository.js';
import { ConsoleRepository } from '../store/console-repository.js';
import { ConsoleReads } from './console-reads.js';
import { FleetAdmin } from './fleet-admin.js';
import { QrStickers, type MerchantRedirectQrs } from './qr-stickers.js';
import type { ChargerAdmin } from '../sessions/charger-admin.js';
import type { StickerItem } from '../../src/lib/shared/operator-api.js';
import type { MapSettings, OperatorBridge } from '../../src/lib/shared/operator-api.js';
import { csrfToken, csrfValid } from './csrf.js';
import { OperatorActions } from './operator-actions.js';
import { createOperatorRoutes } from './operator-routes.js';
import { roleAllows, StaffAccounts, type AccountPolicy } from './staff-accounts.js';
import { staffFromCookieHeader, tokenIsOperators, type StaffGateDeps } from './staff-auth.js';
import { StationDetailsReader } from './station-details.js';

export interface OperatorConsoleDeps {
  db: Db;
  charging: ChargingService;
  chargers: ChargerCommands;
  clock: Clock;
  logger: Logger;
  secret: Buffer;
  operatorToken?: string;
  map: MapSettings;
  /** Demo mode: a demo admin is created, its password derived from the server secret. */
  demo: boolean;
  /** Tells the outbox worker there is work now (a money job retried from the console). */
  wakeWorker(): void;
  /** The Vipps MobilePay QR API (merchant-redirect codes for stickers). */
  qr: MerchantRedirectQrs;
  chargerAdmin: ChargerAdmin;
  policy?: Partial<AccountPolicy>;
}

export const DEMO_USERNAME = 'demo-admin';

/** The demo admin's password: stable for one DATA_DIR (its secret), different for every install. */
export function demoPassword(secret: Buffer): string {
  return `demo-${createHmac('sha256', secret).update('plugpay-demo-admin').digest('base64url').slice(0, 16)}`;
}

export async function createOperatorConsole(deps: OperatorConsoleDeps) {
  const accounts = new StaffAccounts({ db: deps.db, clock: deps.clock, logger: deps.logger.child({ component: 'staff' }), policy: deps.policy });
  const chargerRepo = new ChargerRepository(deps.db);
  const sessions = new SessionRepository();
  const details = new StationDetailsReader({
    db: deps.db,
    stations: (id) => deps.charging.operatorStations(id),
    chargers: () => chargerRepo.list(),
    session: (q, id) => sessions.find(q, id)
  });
  const actions = new OperatorActions({
    chargers: deps.chargers,
    apply: (id, e) => deps.charging.apply(id, e),
    findSession: (id) => sessions.find(deps.db, id),
    chargerExists: async (id) => (await chargerRepo.find(id)) !== null,
    logger: deps.logger.child({ component: 'operator' })
  });

  const reads = new ConsoleReads({
    db: deps.db,
    repo: new ConsoleRepository(),
    clock: deps.clock,
    logger: deps.logger.child({ component: 'operator' }),
    sessionView: (id) => deps.charging.staffSessionView(id),
    wakeWorker: deps.wakeWorker
  });

  const consoleRepo = new ConsoleRepository();
  const fleet = new FleetAdmin({ db: deps.db, repo: consoleRepo, chargerAdmin: deps.chargerAdmin, logger: deps.logger.child({ component: 'operator' }) });
  const stickers = new QrStickers({ qr: deps.qr, landingUrl: (id) => deps.charging.connectorLandingUrl(id), logger: deps.logger.child({ component: 'operator' }) });
  async function stickerSheet(stationId?: string): Promise<StickerItem[]> {
    const items: StickerItem[] = [];
    for (const st of await deps.charging.operatorStations(stationId)) {
      for (const k of st.chargers.flatMap((c) => c.connectors)) {
        const view = await deps.charging.connectorView(k.id);
        const item: StickerItem = { connectorId: k.id, connectorNo: k.connectorNo, stationName: st.name, plugType: k.plugType, maxPowerW: k.maxPowerW, tariff: view?.tariff };
        if (!view) item.error = 'This connector has no station or tariff yet: drivers cannot pay here.';
        else {
          const r = await stickers.sticker(k.id);
          if (r.ok) item.sticker = { qrId: r.sticker.qrId, imageUrl: r.sticker.imageUrl, redirectUrl: r.sticker.redirectUrl };
          else item.error = r.message;
        }
        items.push(item);
      }
    }
    return items;
  }

  let demoLogin: { username: string; password: string } | undefined;
  if (deps.demo) {
    demoLogin = { username: DEMO_USERNAME, password: demoPassword(deps.secret) };
    if (!(await accounts.exists(DEMO_USERNAME))) await accounts.add({ ...demoLogin, displayName: 'Demo admin', role: 'admin' });
  }

  const gate: StaffGateDeps = { accounts, secret: deps.secret, operatorToken: deps.operatorToken };
  const bridge: OperatorBridge = {
    signIn: (input) => accounts.signIn(input),
    signOut: (token) => accounts.signOut(token),
    staff: (token) => accounts.staffFor(token),
    csrfToken: (binding) => csrfToken(deps.secret, binding),
    csrfValid: (binding, given) => csrfValid(deps.secret, binding, given),
    stations: () => deps.charging.operatorStations(),
    stationDetails: (id) => details.one(id),
    allStationDetails: () => details.all(),
    sessions: (filter, limit) => reads.sessions(filter, limit),
    session: (id) => reads.session(id),
    moneyJobs: () => reads.moneyJobs(),
    retryJob: (id, by) => reads.retryJob(id, by),
    day: (day) => reads.day(day),
    tariffs: () => fleet.tariffs(),
    stationRecords: () => fleet.stationRecords(),
    saveTariff: (input, by) => fleet.saveTariff(input, by),
    saveStation: (input, by) => fleet.saveStation(input, by),
    registerCharger: async (input, by) => {
      const r = await fleet.registerCharger(input);
      if (!r.ok) return { ok: false, message: r.message };
      deps.logger.info({ chargerId: r.charger.id, by }, 'charger registered from the console');
      return { ok: true, message: `Registered ${r.charger.id} with connectors ${r.charger.connectors.join(', ')}.${r.charger.warnings.length ? ` ${r.charger.warnings.join(' ')}` : ''}` };
    },
    stickers: (stationId) => stickerSheet(stationId),
    map: deps.map
  };
  return {
    accounts,
    demoLogin,
    /** For createApi: signed-in staff open the operator routes too. */
    staff: { accounts, secret: deps.secret },
    api: createOperatorRoutes({ actions, details, reads }),
    /** For createRealtime: the operators' room takes signed-in operators (or the token). */
    socketAllowed: async (handshake: { cookie?: string; origin?: string; host?: string }, token: string | undefined) => {
      if (tokenIsOperators(token, deps.operatorToken)) return true;
      // Cross-site WebSocket hijacking: a browser sends the cookie with a handshake that another
      // site's page opens; only a page of plugpay itself (same host) may use it.
      if (handshake.origin !== undefined && !sameHost(handshake.origin, handshake.host)) return false;
      const staff = await staffFromCookieHeader(gate, handshake.cookie);
      return staff !== null && roleAllows(staff.role, 'operator');
    },
    bridge
  };
}

/** True when an Origin header names the host the request was sent to. */
function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
