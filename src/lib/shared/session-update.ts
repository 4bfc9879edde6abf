/**
 * Applying a live update to the session the page shows. Free of zod (unlike api.ts), because
 * the session page runs it in the browser.
 */
import type { SessionView } from './api.js';

/** How many power points the session page's chart keeps. */
export const POWER_SERIES_POINTS = 60;

/** The session after an update: a meter update's newest power point is appended to the series. */
export function mergeSessionUpdate(current: SessionView, update: SessionView): SessionView {
  if (!update.powerSeriesTail) return update;
  const last = current.powerSeries.at(-1)?.t;
  const fresh = update.powerSeries.filter((p) => last === undefined || p.t > last);
  const { powerSeriesTail: _tail, ...rest } = update;
  return { ...rest, powerSeries: [...current.powerSeries, ...fresh].slice(-POWER_SERIES_POINTS) };
}
