/**
 * What an operator does to chargers and sessions from the console: stop a session, change a
 * connector's availability, reset a charger, unlock a connector. Every action is logged with
 * who did it; a charger that cannot be reached is a clear 502/503, never a quiet success.
 */
import { z } from 'zod';
import { ChargerCommandError, ChargerUnavailableError, type ChargerCommands } from '../chargers/port.js';
import type { SessionEvent } from '../domain/session.js';
import type { Logger } from '../log.js';
import type { SessionRecord } from '../store/session-repository.js';

export const chargerIdParam = z.string().regex(/^[A-Za-z0-9._-]{1,48}$/, 'not a charger id');
export const resetBody = z.object({ kind: z.enum(['Soft', 'Hard']) });
export const availabilityBody = z.object({ connectorNo: z.number().int().min(0).max(99), available: z.boolean() });
export const unlockBody = z.object({ connectorNo: z.number().int().min(1).max(99) });

export type ActionResult = { ok: true; answer: string; state?: string } | { ok: false; status: 404 | 409 | 502 | 503; message: string };

export interface OperatorActionsDeps {
  chargers: ChargerCommands;
  /** Applies an event to a session (the sessions' one writer). */
  apply(sessionId: string, event: SessionEvent): Promise<SessionRecord | null>;
  findSession(sessionId: string): Promise<SessionRecord | null>;
  chargerExists(chargerId: string): Promise<boolean>;
  logger: Logger;
}

export class OperatorActions {
  constructor(private readonly deps: OperatorActionsDeps) {}

  /** Stops a running session as its driver would: the charger is asked, the money follows the stop. */
  async stopSession(sessionId: string, by: string): Promise<ActionResult> {
    const s = await this.deps.findSession(sessionId);
    if (!s) return { ok: false, status: 404, message: 'No such charging session.' };
    if (s.state !== 'charging' && s.state !== 'stopping') return { ok: false, status: 409, message: `The session is ${s.state.replace('_', ' ')}, not charging.` };
    const after = await this.deps.apply(sessionId, { type: 'stop-requested', by: 'operator' });
    this.deps.logger.info({ sessionId, by }, 'operator stopped a session');
    return { ok: true, answer: 'requested', state: after?.state ?? s.state };
  }

  reset(chargerId: string, kind: 'Soft' | 'Hard', by: string): Promise<ActionResult> {
    return this.command(chargerId, by, 'reset', () => this.deps.chargers.reset(chargerId, kind));
  }

  changeAvailability(chargerId: string, connectorNo: number, available: boolean, by: string): Promise<ActionResult> {
    return this.command(chargerId, by, 'change availability', () => this.deps.chargers.changeAvailability(chargerId, connectorNo, available));
  }

  unlock(chargerId: string, connectorNo: number, by: string): Promise<ActionResult> {
    return this.command(chargerId, by, 'unlock', () => this.deps.chargers.unlockConnector(chargerId, connectorNo));
  }

  private async command(chargerId: string, by: string, what: string, send: () => Promise<string>): Promise<ActionResult> {
    if (!(await this.deps.chargerExists(chargerId))) return { ok: false, status: 404, message: 'No such charger.' };
    try {
      const answer = await send();
      this.deps.logger.info({ chargerId, by, action: what, answer }, 'operator command sent');
      return { ok: true, answer };
    } catch (err) {
      if (err instanceof ChargerUnavailableError) return { ok: false, status: 503, message: `Charger ${chargerId} is not connected.` };
      if (err instanceof ChargerCommandError) {
        this.deps.logger.warn({ err, chargerId, action: what }, 'charger refused an operator command');
        return { ok: false, status: 502, message: `Charger ${chargerId} did not understand the ${what} command.` };
      }
      throw err;
    }
  }
}
