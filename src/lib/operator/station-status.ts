/** Which of several station statuses the operator must see first (a cluster's colour). */
import type { StationStatus } from '$lib/map';

/** Most urgent first: a fault, then a station gone offline, then charging, busy, available. */
export const URGENCY: StationStatus[] = ['faulted', 'offline', 'charging', 'busy', 'available'];

export function worstStatus(statuses: StationStatus[]): StationStatus {
  for (const s of URGENCY) if (statuses.includes(s)) return s;
  return 'offline';
}
