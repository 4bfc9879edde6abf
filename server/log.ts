import { pino, type Logger } from 'pino';

export type { Logger };

/** One JSON logger per process; children carry context (`{ sessionId }`, `{ chargerId }`). */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { ...base }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
