/**
 * Registering a charger: the one entry point for the CLI and the operator API
 * (`POST /api/admin/chargers`). Validates with zod, hashes the password, stores.
 */
import { z } from 'zod';
import { ChargerRepository, type ChargerRecord } from '../store/charger-repository.js';
import type { Db } from '../store/db.js';
import { hashPassword } from './password.js';

/** Below this a password is accepted with a warning (the OCPP 1.6 security whitepaper asks for 16+). */
export const RECOMMENDED_PASSWORD_LENGTH = 16;

export const chargerRegistrationSchema = z.object({
  // The id is the last path segment of /ocpp/<id> and the Basic-auth user name, so no '/' or ':'.
  id: z
    .string()
    .min(1)
    .max(48)
    .regex(/^[A-Za-z0-9._~*@-]+$/, 'letters, digits and . _ ~ * @ - only'),
  password: z.string().min(8, 'at least 8 characters').max(40, 'at most 40 characters'),
  connectors: z.number().int().min(1).max(32).default(1),
  stationId: z.string().min(1).max(100).optional(),
  plugType: z.string().min(1).max(40).default('Type 2'),
  maxPowerW: z.number().int().min(1000).max(1_000_000).default(22000)
});

export type ChargerRegistration = z.input<typeof chargerRegistrationSchema>;

export interface RegisteredCharger {
  charger: ChargerRecord;
  warnings: string[];
}

/**
 * Registers a charger with connectors 1..N. Throws a ZodError for bad input and
 * ChargerExistsError for a taken id; a foreign-key error names an unknown station.
 *
 * @example
 * const { charger, warnings } = await registerCharger(db, { id: 'CP-7', password: 'a-long-secret-value', connectors: 2 });
 */
export async function registerCharger(db: Db, input: ChargerRegistration): Promise<RegisteredCharger> {
  const data = chargerRegistrationSchema.parse(input);
  const warnings: string[] = [];
  if (data.password.length < RECOMMENDED_PASSWORD_LENGTH) {
    warnings.push(`password is shorter than ${RECOMMENDED_PASSWORD_LENGTH} characters; a longer one is recommended`);
  }
  const repo = new ChargerRepository(db);
  try {
    const charger = await repo.register({
      id: data.id,
      passwordHash: await hashPassword(data.password),
      connectors: data.connectors,
      plugType: data.plugType,
      maxPowerW: data.maxPowerW,
      stationId: data.stationId ?? null
    });
    return { charger, warnings };
  } catch (err) {
    if ((err as { code?: string }).code === '23503') throw new UnknownStationError(data.stationId ?? '', { cause: err });
    throw err;
  }
}

export class UnknownStationError extends Error {
  constructor(public readonly stationId: string, options?: { cause?: unknown }) {
    super(`station ${stationId} does not exist`, options);
    this.name = 'UnknownStationError';
  }
}
