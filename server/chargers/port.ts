/**
 * The charger port: plugpay's own words for what chargers say and what plugpay asks of them.
 * The OCPP 1.6J adapter (`ocpp16/`) translates; an OCPP 2.0.1 adapter can sit beside it later.
 * Nothing outside `server/chargers/` imports ocpp-rpc.
 */

/** A connector's availability in plugpay's words (from OCPP ChargePointStatus). */
export type ConnectorStatus =
  | 'available' // Available
  | 'preparing' // Preparing: plugged in or authorised, not yet charging
  | 'charging' // Charging
  | 'suspended' // SuspendedEV / SuspendedEVSE
  | 'finishing' // Finishing
  | 'reserved' // Reserved
  | 'unavailable' // Unavailable
  | 'faulted' // Faulted
  | 'offline' // not connected to plugpay
  | 'unknown';

export interface ChargerOnline { chargerId: string; at: Date }
export interface ChargerOffline { chargerId: string; at: Date }
export interface ConnectorStatusChanged {
  chargerId: string;
  connectorNo: number;
  status: ConnectorStatus;
  errorCode?: string;
  at: Date;
}
export interface TransactionStarted {
  chargerId: string;
  connectorNo: number;
  transactionId: number;
  idTag: string;
  meterStartWh: number;
  at: Date;
}
export interface MeterSampled {
  chargerId: string;
  transactionId: number;
  at: Date;
  /** Energy.Active.Import.Register, in Wh, when the sample had it. */
  energyWh?: number;
  /** Power.Active.Import, in W. */
  powerW?: number;
  /** SoC, percent. */
  socPercent?: number;
}
export interface TransactionStopped {
  chargerId: string;
  transactionId: number;
  idTag?: string;
  meterStopWh: number;
  at: Date;
  /** OCPP Reason word as sent (Local, Remote, EVDisconnected, PowerLoss, Reboot, …); "Local" when absent. */
  reason: string;
}

/** Whether plugpay lets an idTag charge (Authorize, StartTransaction, StopTransaction idTagInfo). */
export type IdTagVerdict = 'accepted' | 'invalid' | 'blocked' | 'expired';

/**
 * What the rest of plugpay hears from chargers. The gateway awaits each call before it answers
 * the charger, so a crash before the answer makes the charger send the message again.
 */
export interface ChargerListener {
  authorize(idTag: string): Promise<IdTagVerdict>;
  chargerOnline(e: ChargerOnline): Promise<void>;
  chargerOffline(e: ChargerOffline): Promise<void>;
  connectorStatusChanged(e: ConnectorStatusChanged): Promise<void>;
  /**
   * Returns the verdict sent back as StartTransaction.conf idTagInfo. May be called again for a
   * transaction it has seen (a charger repeating StartTransaction after a restart of plugpay):
   * it must then answer without applying the start twice.
   */
  transactionStarted(e: TransactionStarted): Promise<IdTagVerdict>;
  meterSampled(e: MeterSampled): Promise<void>;
  /**
   * Called for every StopTransaction, repeats included (a repeat may follow a crash between the
   * transaction log's write and the session's): the listener applies it at most once.
   */
  transactionStopped(e: TransactionStopped): Promise<void>;
  /** The idTagInfo for StopTransaction.conf: the tag's status at the start of that transaction. */
  stopVerdict(e: { chargerId: string; transactionId: number; idTag: string }): Promise<IdTagVerdict>;
}

export class ChargerUnavailableError extends Error {
  constructor(public readonly chargerId: string, message = `charger ${chargerId} is not connected`, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChargerUnavailableError';
  }
}

/** What plugpay asks of chargers. Each throws ChargerUnavailableError if the charger cannot be reached. */
export interface ChargerCommands {
  remoteStart(chargerId: string, connectorNo: number, idTag: string): Promise<'accepted' | 'rejected'>;
  remoteStop(chargerId: string, transactionId: number): Promise<'accepted' | 'rejected'>;
  changeConfiguration(chargerId: string, key: string, value: string): Promise<'accepted' | 'rejected' | 'reboot-required' | 'not-supported'>;
  triggerMessage(chargerId: string, message: 'BootNotification' | 'Heartbeat' | 'MeterValues' | 'StatusNotification', connectorNo?: number): Promise<'accepted' | 'rejected' | 'not-implemented'>;
  changeAvailability(chargerId: string, connectorNo: number, available: boolean): Promise<'accepted' | 'rejected' | 'scheduled'>;
  reset(chargerId: string, kind: 'Soft' | 'Hard'): Promise<'accepted' | 'rejected'>;
  /** OCPP 1.6 §5.18 UnlockConnector: releases the cable (ending a running transaction there). */
  unlockConnector(chargerId: string, connectorNo: number): Promise<'unlocked' | 'unlock-failed' | 'not-supported'>;
  isConnected(chargerId: string): Promise<boolean>;
}

/** The charger answered a command with an OCPP CALLERROR or with an answer that breaks the schema. */
export class ChargerCommandError extends Error {
  constructor(public readonly chargerId: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChargerCommandError';
  }
}
