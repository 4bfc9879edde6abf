/**
 * A member's session: no reservation. It is written already approved, with its budget (what is
 * left of the member's daily limit) standing in for the authorization, in one transaction with its
 * charger commands, so a crash never leaves a member session waiting for a payment that does not
 * exist. From there it runs the same spine as every session (domain/session.ts, member path).
 */
import { transition } from '../domain/session.js';
import { hashToken } from './ports.js';
import type { SessionReadModels } from './read-models.js';
import { ServiceError, type SessionCore, type SessionDeps } from './session-core.js';

export class MemberSessions {
  constructor(
    private readonly deps: SessionDeps,
    private readonly core: SessionCore,
    private readonly views: SessionReadModels
  ) {}

  async start(input: { connectorId: string; memberId: string; budgetOre: number }): Promise<{ sessionId: string; token: string }> {
    if (!Number.isSafeInteger(input.budgetOre) || input.budgetOre <= 0) throw new ServiceError(400, 'Nothing is left of today’s limit.');
    const id = this.deps.ids.sessionId();
    const token = this.deps.ids.sessionToken();
    const saved = await this.deps.db.transaction(async (tx) => {
      // Lock the connector row: two drivers scanning at once cannot both take it.
      if (!(await this.deps.stores.stations.lockConnector(tx, input.connectorId))) throw new ServiceError(404, 'No such connector.');
      const c = (await this.deps.stores.stations.connector(tx, input.connectorId))!;
      const live = await this.deps.stores.sessions.liveOnConnector(tx, input.connectorId);
      const a = this.views.availability(c, live && !this.views.abandoned(live) ? live : null);
      if (!a.available) throw new ServiceError(409, a.reason ?? 'The connector is not available.');
      const now = this.deps.clock.now();
      const inserted = await this.deps.stores.sessions.insert(tx, {
        id,
        tokenHash: hashToken(token),
        connectorId: c.id,
        chargerId: c.chargerId,
        connectorNo: c.connectorNo,
        state: 'awaiting_payment',
        // Never sent to Vipps: a member session has no payment of its own.
        paymentReference: `member-${id}`,
        idTag: `PP${id.toUpperCase()}`,
        // What it may cost at most: the budget left of the day's limit (no money is held).
        reservedOre: input.budgetOre,
        tariff: c.tariff!,
        energyWh: 0,
        powerW: 0,
        maxPowerW: c.maxPowerW,
        billing: 'membership',
        memberId: input.memberId,
        createdAt: now
      });
      const t = transition(inserted, { type: 'membership-approved', budgetOre: input.budgetOre }, { meterIntervalSeconds: this.deps.settings.meterIntervalSeconds });
      const s = await this.deps.stores.sessions.update(tx, { ...inserted, ...t.session }, now);
      for (const cmd of t.commands) await this.core.enqueue(tx, s, cmd);
      return s;
    });
    this.deps.logger.info({ sessionId: id, connectorId: input.connectorId, budgetOre: input.budgetOre }, 'member session started');
    this.core.wakeWorker();
    await this.core.publish(saved);
    return { sessionId: id, token };
  }
}
