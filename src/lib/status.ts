/** Words for the driver and operator about connector and session states. */
import type { ConnectorStatusWord, SessionState } from './shared/api';

export const connectorStatusLabel: Record<ConnectorStatusWord, string> = {
  available: 'Available',
  preparing: 'Ready — cable connected',
  charging: 'Charging',
  suspended: 'Paused by the car',
  finishing: 'Finishing',
  reserved: 'Reserved',
  unavailable: 'Out of service',
  faulted: 'Fault',
  offline: 'Offline',
  unknown: 'Status unknown'
};

/** Why a driver cannot start, when the server only sent a status (live updates). */
export function unavailableReasonFor(status: ConnectorStatusWord): string {
  switch (status) {
    case 'charging':
    case 'suspended':
    case 'finishing':
    case 'reserved':
      return 'This connector is in use right now. Try another connector at this station.';
    case 'faulted':
      return 'This connector has a fault. Please try another connector; the operator has been notified.';
    case 'offline':
      return 'This charger is offline right now. Please try another connector.';
    case 'unavailable':
      return 'This connector is out of service right now.';
    default:
      return 'This connector cannot start a charge right now.';
  }
}

export const sessionStateLabel: Record<SessionState, string> = {
  awaiting_payment: 'Waiting for approval in Vipps…',
  starting: 'Starting the charger…',
  charging: 'Charging',
  stopping: 'Stopping…',
  finalizing: 'Finishing up your payment…',
  completed: 'Completed',
  failed: 'Charging did not start'
};

/** States in which the driver may press Stop. */
export function canStop(state: SessionState): boolean {
  return state === 'starting' || state === 'charging';
}

export function isFinal(state: SessionState): boolean {
  return state === 'completed' || state === 'failed';
}
