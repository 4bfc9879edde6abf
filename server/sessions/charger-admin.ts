/** Operator actions on chargers (registration from the console or the CLI via HTTP). */
import { ZodError } from 'zod';
import { registerCharger, UnknownStationError } from '../chargers/registration.js';
import type { Logger } from '../log.js';
import { ChargerExistsError } from '../store/charger-repository.js';
import type { Db } from '../store/db.js';

export type RegisterResult =
  | { ok: true; charger: { id: string; connectors: string[]; warnings: string[] } }
  | { ok: false; status: 400 | 409; message: string };

export class ChargerAdmin {
  constructor(private readonly deps: { db: Db; logger: Logger }) {}

  async register(input: unknown): Promise<RegisterResult> {
    try {
      const { charger, warnings } = await registerCharger(this.deps.db, input as never);
      this.deps.logger.info({ chargerId: charger.id }, 'charger registered');
      return { ok: true, charger: { id: charger.id, connectors: charger.connectors.map((c) => c.id), warnings } };
    } catch (err) {
      if (err instanceof ZodError) return { ok: false, status: 400, message: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
      if (err instanceof ChargerExistsError) return { ok: false, status: 409, message: err.message };
      if (err instanceof UnknownStationError) return { ok: false, status: 400, message: err.message };
      throw err;
    }
  }
}
