/**
 * What an admin sets up from the console: tariffs, stations and chargers. Prices are integer øre
 * including VAT, as the driver pays them; a live session keeps the tariff it started with (the
 * session stores a copy), so editing a tariff never reprices a charge already running.
 */
import { z } from 'zod';
import type { Tariff } from '../domain/tariff.js';
import { validateTariff } from '../domain/tariff.js';
import type { Logger } from '../log.js';
import type { ChargerAdmin, RegisterResult } from '../sessions/charger-admin.js';
import type { ConsoleRepository } from '../store/console-repository.js';
import type { Db } from '../store/db.js';
import { StationRepository } from '../store/station-repository.js';

const slug = z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and - (up to 63)');
const ore = z.number().int('whole øre').min(0).max(10_000_000);

export const tariffInput = z.object({
  id: slug,
  pricePerKwhOre: ore,
  startFeeOre: ore,
  perMinuteOre: ore,
  idleFeePerMinuteOre: ore,
  idleGraceMinutes: z.number().int().min(0).max(24 * 60),
  /** Basis points: 2500 is 25 % (Norway's general rate). */
  vatRateBp: z.number().int().min(0).max(10_000)
});

export const stationInput = z.object({
  id: slug,
  name: z.string().trim().min(1).max(100),
  address: z.string().trim().min(1).max(200),
  city: z.string().trim().max(100),
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  tariffId: slug
});

export type SetupResult = { ok: true } | { ok: false; message: string };

const issues = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');

export class FleetAdmin {
  private readonly stations = new StationRepository();

  constructor(private readonly deps: { db: Db; repo: ConsoleRepository; chargerAdmin: ChargerAdmin; logger: Logger }) {}

  tariffs(): Promise<Tariff[]> {
    return this.deps.repo.tariffs(this.deps.db);
  }

  stationRecords() {
    return this.stations.stations(this.deps.db);
  }

  async saveTariff(input: unknown, by: string): Promise<SetupResult> {
    const p = tariffInput.safeParse(input);
    if (!p.success) return { ok: false, message: issues(p.error) };
    const t: Tariff = { ...p.data, currency: 'NOK' };
    validateTariff(t);
    await this.stations.upsertTariff(this.deps.db, t);
    this.deps.logger.info({ tariffId: t.id, by }, 'tariff saved');
    return { ok: true };
  }

  async saveStation(input: unknown, by: string): Promise<SetupResult> {
    const p = stationInput.safeParse(input);
    if (!p.success) return { ok: false, message: issues(p.error) };
    if (!(await this.deps.repo.tariffs(this.deps.db)).some((t) => t.id === p.data.tariffId)) return { ok: false, message: `tariffId: no tariff ${p.data.tariffId}` };
    await this.stations.upsertStation(this.deps.db, p.data);
    this.deps.logger.info({ stationId: p.data.id, by }, 'station saved');
    return { ok: true };
  }

  registerCharger(input: unknown): Promise<RegisterResult> {
    return this.deps.chargerAdmin.register(input);
  }
}
