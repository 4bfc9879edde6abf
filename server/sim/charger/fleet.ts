/**
 * A fleet of simulated chargers, and the JSON file that describes one.
 *
 * @example
 * const fleet = createChargerFleet({ url: 'ws://127.0.0.1:3000/ocpp', chargers: (await loadFleetConfig('fleet.json')).chargers });
 * await fleet.start();
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Logger } from '../../log.js';
import { SimCharger, type SimChargerOptions } from './charger.js';

const connectorSchema = z.object({
  maxPowerW: z.number().int().positive(),
  plugType: z.string().min(1).optional(),
  initialMeterWh: z.number().int().nonnegative().optional()
});

const chargerSchema = z.object({
  // OCPP-J identities travel in the URL path; keep them to what needs no escaping (and the
  // 20-character CiString20 a 1.6 chargeBoxIdentity usually is).
  id: z.string().regex(/^[A-Za-z0-9._-]{1,48}$/, 'use 1-48 letters, digits, ".", "_" or "-"'),
  password: z.string().min(8, 'OCPP security profile 1 needs a password of at least 8 characters').max(40),
  station: z.string().min(1).optional(),
  location: z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }).optional(),
  connectors: z.array(connectorSchema).min(1, 'a charger needs at least one connector'),
  vendor: z.string().max(20).optional(),
  model: z.string().max(20).optional()
});

export const fleetConfigSchema = z
  .object({ chargers: z.array(chargerSchema).min(1, 'the fleet needs at least one charger') })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.chargers.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['chargers', i, 'id'], message: `duplicate charger id ${c.id}` });
      seen.add(c.id);
    });
  });

export type FleetConfig = z.infer<typeof fleetConfigSchema>;
export type FleetChargerConfig = FleetConfig['chargers'][number];

/** What a fleet member needs beyond the shared url: a fleet-file entry, or full SimCharger options. */
export type SimChargerConfig = FleetChargerConfig & Partial<Omit<SimChargerOptions, 'id' | 'password' | 'url' | 'connectors'>>;

export class FleetConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FleetConfigError';
  }
}

/** Validates a parsed fleet file; the error lists every problem with its path. */
export function parseFleetConfig(data: unknown, source = 'fleet config'): FleetConfig {
  const r = fleetConfigSchema.safeParse(data);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new FleetConfigError(`${source} is invalid:\n${lines.join('\n')}`, { cause: r.error });
}

/** Reads and validates a fleet file (JSON: `{ "chargers": [ … ] }`). */
export async function loadFleetConfig(path: string): Promise<FleetConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FleetConfigError(`cannot read fleet config ${path}: ${(err as Error).message}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FleetConfigError(`fleet config ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseFleetConfig(data, `fleet config ${path}`);
}

export interface ChargerFleet {
  chargers: Map<string, SimCharger>;
  /** Connects every charger; resolves when all have booted. */
  start(): Promise<void>;
  /** Closes every charger. */
  stop(): Promise<void>;
}

export function createChargerFleet(opts: { url: string; chargers: SimChargerConfig[]; logger?: Logger; timeScale?: number; clock?: () => Date }): ChargerFleet {
  const chargers = new Map<string, SimCharger>();
  for (const cfg of opts.chargers) {
    if (chargers.has(cfg.id)) throw new FleetConfigError(`duplicate charger id ${cfg.id}`);
    const { station: _station, location: _location, ...rest } = cfg;
    chargers.set(cfg.id, new SimCharger({ timeScale: opts.timeScale, logger: opts.logger, ...rest, url: opts.url, clock: opts.clock }));
  }
  return {
    chargers,
    start: async () => {
      await Promise.all([...chargers.values()].map((c) => c.start()));
    },
    stop: async () => {
      await Promise.all([...chargers.values()].map((c) => c.close()));
    }
  };
}
