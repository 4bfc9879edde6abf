/**
 * The multi-node seam: a command for a charger connected to another plugpay node travels through
 * a relay (Redis pub/sub in production, see redis-relay.ts) to that node's gateway.
 */

/** The OCPP calls a relay may carry: exactly the ones ChargerCommands sends. */
export const RELAYED_METHODS = [
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'ChangeConfiguration',
  'TriggerMessage',
  'ChangeAvailability',
  'Reset',
  'UnlockConnector'
] as const;
export type RelayedMethod = (typeof RELAYED_METHODS)[number];

/** Performs a relayed call on a charger connected to this node; resolves with the charger's answer. */
export type RelayedCallHandler = (chargerId: string, method: string, params: unknown) => Promise<unknown>;

export interface CommandRelay {
  /**
   * Asks node `nodeId` to call `method` on charger `chargerId`; resolves with the charger's
   * answer (the OCPP .conf payload). Throws ChargerUnavailableError when that node does not
   * answer in time or no longer holds the charger, ChargerCommandError when the charger answered
   * with a CALLERROR.
   */
  send(nodeId: string, chargerId: string, method: string, params: unknown): Promise<unknown>;
  /** The gateway registers here the handler that serves calls relayed to this node. */
  serve(handler: RelayedCallHandler): void;
}
