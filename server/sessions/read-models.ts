/**
 * Read models: what a connector, a session, a receipt and the operators' map look like, and who
 * may see a session. Reads only; it changes nothing.
 */
import type { ConnectorView, OperatorStationView, ReceiptView, SessionView, UnavailableCode } from '../../src/lib/shared/api.js';
import { buildReceipt, receiptTotals } from '../domain/receipt.js';
import { failureCode, isLive, runningCost, usageOf } from '../domain/session.js';
import type { Queryable } from '../store/db.js';
import type { SessionRecord } from '../store/session-repository.js';
import type { ConnectorRecord } from '../store/station-repository.js';
import { hashToken } from './ports.js';
import { verifyReceiptToken } from './receipt-token.js';
import { timingSafeEqual } from 'node:crypto';
import { ServiceError, type SessionDeps } from './session-core.js';

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Approving in the app takes well under a minute; two minutes of silence means the driver left. */
/** The seller when none is configured (tests and the demo). */
const DEMO_SELLER = { name: 'plugpay demo AS', orgNumber: '999 999 999' };

export const ABANDON_AFTER_MS = 2 * 60_000;

/**
 * How many connectors that say they are free a busy connector's page looks at to find up to four
 * a driver can start at (some may be held for a driver approving a payment).
 */
const FREE_NEARBY_CANDIDATES = 24;

/** A connector as its watchers see it (`connectorState`). */
export interface ConnectorState {
  c: ConnectorRecord & { station: NonNullable<ConnectorRecord['station']>; tariff: NonNullable<ConnectorRecord['tariff']> };
  status: ConnectorView['status'];
  available: boolean;
  reason?: string;
  code?: UnavailableCode;
}

const OFFLINE_TEXT = 'The charger lost its connection. You pay only for the energy measured before it went offline.';

export class SessionReadModels {
  constructor(private readonly deps: SessionDeps) {}

  availability(c: ConnectorRecord, live: SessionRecord | null): { available: boolean; reason?: string; code?: UnavailableCode } {
    if (!c.station || !c.tariff) return { available: false, reason: 'This connector is not open for payment yet.', code: 'not-open' };
    if (!c.chargerOnline || c.status === 'offline') return { available: false, reason: 'The charger is offline right now.', code: 'offline' };
    if (c.status === 'faulted') return { available: false, reason: 'The charger reports a fault.', code: 'faulted' };
    if (c.status === 'unavailable') return { available: false, reason: 'The connector is out of service.', code: 'out-of-service' };
    if (live || ['charging', 'suspended', 'finishing', 'reserved'].includes(c.status)) {
      return { available: false, reason: 'The connector is in use.', code: 'in-use' };
    }
    if (c.status !== 'available' && c.status !== 'preparing') return { available: false, reason: 'The connector is not ready.', code: 'not-ready' };
    return { available: true };
  }

  /**
   * What the screens watching a connector need when it changes: its status and whether a driver
   * can start there. Two indexed reads, whatever the station's size (no free-nearby list); one
   * when the caller has just read the connector (`known`).
   */
  async connectorState(connectorId: string, known?: ConnectorRecord | null): Promise<ConnectorState | null> {
    const c = known !== undefined ? known : await this.deps.stores.stations.connector(this.deps.db, connectorId);
    if (!c || !c.station || !c.tariff) return null;
    const found = await this.deps.stores.sessions.liveOnConnector(this.deps.db, connectorId);
    const live = found && !this.abandoned(found) ? found : null;
    const a = this.availability(c, live);
    const status = (c.chargerOnline ? c.status : 'offline') as ConnectorView['status'];
    return {
      c: c as ConnectorState['c'],
      // Held for a driver approving the payment (or starting): not "available" to anyone else.
      status: live && (status === 'available' || status === 'preparing') ? 'reserved' : status,
      available: a.available,
      reason: a.reason,
      code: a.code
    };
  }

  async connectorView(connectorId: string): Promise<ConnectorView | null> {
    const state = await this.connectorState(connectorId);
    if (!state) return null;
    const { c } = state;
    const { id: _tariffId, ...tariff } = c.tariff;
    return {
      id: c.id,
      chargerId: c.chargerId,
      connectorNo: c.connectorNo,
      plugType: c.plugType,
      maxPowerW: c.maxPowerW,
      status: state.status,
      available: state.available,
      unavailableReason: state.reason,
      unavailableCode: state.code,
      freeNearby: state.available ? undefined : await this.freeAtStation(c),
      station: { id: c.station.id, name: c.station.name, address: c.station.address, city: c.station.city, lat: c.station.lat, lng: c.station.lng },
      tariff,
      reserve: this.deps.settings.reserve,
      termsUrl: this.deps.settings.termsUrl
    };
  }

  /** Connectors at the same station a driver could start at now (a busy one points to them). */
  private async freeAtStation(c: ConnectorRecord): Promise<ConnectorView['freeNearby']> {
    if (!c.station) return [];
    // A bounded read: a large station must not cost its size on every busy connector's page.
    const others = await this.deps.stores.stations.startableAtStation(this.deps.db, c.station.id, c.id, FREE_NEARBY_CANDIDATES);
    if (others.length === 0) return [];
    const live = new Set((await this.deps.stores.sessions.liveOnConnectors(this.deps.db, others.map((o) => o.id))).filter((l) => !this.abandoned(l)).map((l) => l.connectorId));
    return others
      .filter((o) => this.availability(o, live.has(o.id) ? ({} as SessionRecord) : null).available)
      .slice(0, 4)
      .map((o) => ({ id: o.id, connectorNo: o.connectorNo, plugType: o.plugType, maxPowerW: o.maxPowerW }));
  }

  /** `tailOnly`: only the newest power point (a meter update: the page appends it to its chart). */
  async view(s: SessionRecord, db: Queryable = this.deps.db, known?: ConnectorRecord | null, tailOnly = false): Promise<SessionView> {
    const c = known !== undefined ? known : await this.deps.stores.stations.connector(db, s.connectorId);
    const now = this.deps.clock.now();
    const { id: _t, ...tariff } = s.tariff;
    const v: SessionView = {
      id: s.id,
      connectorId: s.connectorId,
      stationName: c?.station?.name ?? s.chargerId,
      connectorLabel: `Connector ${s.connectorNo} · ${c?.plugType ?? ''}`.trim(),
      state: s.state,
      reservedOre: s.reservedOre,
      ...(s.billing === 'membership' ? { billing: 'membership' as const } : {}),
      energyWh: s.energyWh,
      powerW: s.state === 'charging' || s.state === 'stopping' ? s.powerW : 0,
      costOre: s.costOre ?? runningCost(s, now),
      createdAt: s.createdAt.toISOString(),
      startedAt: s.startedAt?.toISOString(),
      stoppedAt: s.stoppedAt?.toISOString(),
      stopReason: s.stopReason,
      message: s.failure ?? (s.stopReason === 'offline' ? OFFLINE_TEXT : undefined),
      messageCode: s.failure ? failureCode(s.failure) : s.stopReason === 'offline' ? 'offline' : undefined,
      chargerOnline: c ? c.chargerOnline : true,
      lastMeterAt: s.lastMeterAt?.toISOString(),
      powerSeries: this.deps.live.get(s.id)?.series.slice(tailOnly ? -1 : 0) ?? (s.transactionId ? await this.deps.stores.sessions.powerSeries(db, s.transactionId) : []),
      tariff
    };
    if (s.state === 'completed') v.receipt = this.receiptView(s, c);
    return v;
  }

  /** The order lines of a finished session, as sent to Vipps and shown on the session page. */
  receiptOf(s: SessionRecord) {
    const usage = usageOf(s, s.stoppedAt ?? this.deps.clock.now());
    return { usage, receipt: buildReceipt(s.tariff, usage, s.captureOre ?? 0, { posId: s.connectorId, receiptNumber: s.paymentReference }) };
  }

  receiptView(s: SessionRecord, c?: ConnectorRecord | null): ReceiptView {
    const { usage, receipt: r } = this.receiptOf(s);
    const captured = s.captureOre ?? 0;
    const totals = receiptTotals(r);
    return {
      energyWh: s.energyWh,
      durationSeconds: usage.durationSeconds,
      costOre: s.costOre ?? 0,
      netOre: totals.netOre,
      vatOre: totals.vatOre,
      vatRateBp: s.tariff.vatRateBp,
      reservedOre: s.authorizedOre ?? s.reservedOre,
      capturedOre: captured,
      releasedOre: s.cancelledOre ?? (s.authorizedOre ?? s.reservedOre) - captured,
      lines: r.lines.map((l) => ({ id: l.id, name: l.name, quantity: l.quantity, unit: l.unit, totalOre: l.totalOre })),
      issuedAt: (s.stoppedAt ?? s.updatedAt ?? s.createdAt).toISOString(),
      receiptNumber: s.paymentReference,
      paymentMethod: 'vipps-mobilepay',
      seller: this.deps.settings.seller ?? DEMO_SELLER,
      address: c?.station ? [c.station.address, c.station.city].filter(Boolean).join(', ') : ''
    };
  }

  /** Checks the capability token in constant time; 404 for an unknown session, 403 for a wrong token. */
  /**
   * Checks a capability in constant time: 404 for an unknown session, 403 for a wrong token.
   * The receipt link in the Vipps app carries a read-only token that opens a finished session
   * (the app may open it in a browser without the driver's cookie); it cannot stop anything.
   */
  async authorized(sessionId: string, token: string | undefined, purpose: 'view' | 'stop' = 'view'): Promise<SessionRecord> {
    const s = await this.deps.stores.sessions.find(this.deps.db, sessionId);
    if (!s) throw new ServiceError(404, 'No such charging session.');
    const owner = token !== undefined && sameText(hashToken(token), s.tokenHash);
    const receipt = purpose === 'view' && token !== undefined && !isLive(s.state) && verifyReceiptToken(this.deps.secret, s.id, token);
    if (!owner && !receipt) throw new ServiceError(403, 'This link does not give access to that charging session.');
    return s;
  }

  /** A reservation left unapproved this long no longer holds the connector for the next driver. */
  abandoned(s: SessionRecord): boolean {
    return s.state === 'awaiting_payment' && this.deps.clock.now().getTime() - s.createdAt.getTime() > ABANDON_AFTER_MS;
  }

  /** Which of these sessions still await the driver's approval. */
  awaitingPayment(ids: string[]): Promise<string[]> {
    return this.deps.stores.sessions.awaitingPayment(this.deps.db, ids);
  }

  /** Sessions by state (metrics). */
  sessionCounts(): Promise<Array<{ state: string; count: number }>> {
    return this.deps.stores.sessions.countByState(this.deps.db);
  }

  /** Outbox jobs waiting and dead-lettered (metrics). */
  outboxDepth(): Promise<{ pending: number; dead: number }> {
    return this.deps.stores.outbox.depth(this.deps.db);
  }

  /** Jobs that keep failing, for the operator: what, for which session, since when, and why. */
  async deadLetters(): Promise<Array<{ id: number; kind: string; sessionId?: string; attempts: number; deadAt?: string; nextAttemptAt?: string; lastError?: string }>> {
    return (await this.deps.stores.outbox.deadLetters(this.deps.db)).map((j) => ({
      id: j.id,
      kind: j.kind,
      sessionId: j.sessionId,
      attempts: j.attempts,
      deadAt: j.deadAt?.toISOString(),
      nextAttemptAt: j.nextAttemptAt?.toISOString(),
      lastError: j.lastError
    }));
  }

  /** The URL a connector's QR sticker points at, or null for an unknown connector. */
  async connectorLandingUrl(connectorId: string): Promise<string | null> {
    const c = await this.deps.stores.stations.connector(this.deps.db, connectorId);
    return c ? `${this.deps.settings.publicUrl}/c/${encodeURIComponent(c.id)}` : null;
  }

  /** Every station with its chargers, connectors and live sessions; or just one station. */
  async operatorStations(stationId?: string): Promise<OperatorStationView[]> {
    const db = this.deps.db;
    const [stations, connectors] = await Promise.all([
      this.deps.stores.stations.stations(db, stationId),
      this.deps.stores.stations.connectors(db, { stationId })
    ]);
    // Only this station's live sessions, by connector, with the newest readings held in memory:
    // this runs for every station that changed, once a second, at thousands of live sessions.
    const live = new Map<string, SessionRecord>();
    for (const row of await this.deps.stores.sessions.liveOnConnectors(db, connectors.map((c) => c.id))) {
      live.set(row.connectorId, this.deps.live.freshest(row));
    }
    const now = this.deps.clock.now();
    return stations.map((st) => {
      const chargers = new Map<string, OperatorStationView['chargers'][number]>();
      for (const c of connectors.filter((x) => x.station?.id === st.id)) {
        const ch = chargers.get(c.chargerId) ?? { id: c.chargerId, online: c.chargerOnline, lastSeen: c.chargerLastSeen?.toISOString(), connectors: [] };
        const s = live.get(c.id);
        ch.connectors.push({
          id: c.id,
          connectorNo: c.connectorNo,
          plugType: c.plugType,
          maxPowerW: c.maxPowerW,
          status: (c.chargerOnline ? c.status : 'offline') as ConnectorView['status'],
          session: s ? { id: s.id, state: s.state, energyWh: s.energyWh, powerW: s.powerW, costOre: runningCost(s, now) } : undefined
        });
        chargers.set(c.chargerId, ch);
      }
      const { tariffId: _t, ...station } = st;
      return { ...station, chargers: [...chargers.values()] };
    });
  }

  /** One station, for the operators' live map (called for each station that changed). */
  async operatorStation(stationId: string): Promise<OperatorStationView | undefined> {
    return (await this.operatorStations(stationId))[0];
  }
}
