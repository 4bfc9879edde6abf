/** OCPP 1.6 words ↔ plugpay's words (port.ts), translated here and nowhere else. */
import type { ConnectorStatus, IdTagVerdict } from '../port.js';

/** OCPP 1.6 §7.7 ChargePointStatus → ConnectorStatus. */
const STATUS: Record<string, ConnectorStatus> = {
  Available: 'available',
  Preparing: 'preparing',
  Charging: 'charging',
  SuspendedEV: 'suspended',
  SuspendedEVSE: 'suspended',
  Finishing: 'finishing',
  Reserved: 'reserved',
  Unavailable: 'unavailable',
  Faulted: 'faulted'
};

export function connectorStatusOf(status: string): ConnectorStatus {
  return STATUS[status] ?? 'unknown';
}

/** OCPP 1.6 §7.2 AuthorizationStatus. ConcurrentTx is never sent: plugpay has no such verdict. */
const ID_TAG: Record<IdTagVerdict, 'Accepted' | 'Invalid' | 'Blocked' | 'Expired'> = {
  accepted: 'Accepted',
  invalid: 'Invalid',
  blocked: 'Blocked',
  expired: 'Expired'
};

/** An unknown verdict from the listener is a bug there; refusing the idTag is the safe answer. */
export function idTagInfoOf(verdict: IdTagVerdict): { status: 'Accepted' | 'Invalid' | 'Blocked' | 'Expired' } {
  return { status: ID_TAG[verdict] ?? 'Invalid' };
}

/** Maps a `.conf` status word through `table`; a word outside the table is a charger bug. */
export function answerOf<T extends string>(table: Record<string, T>, conf: unknown): T | undefined {
  const status = (conf as { status?: unknown } | null)?.status;
  return typeof status === 'string' ? table[status] : undefined;
}
