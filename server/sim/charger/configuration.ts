/**
 * The charge point's configuration keys (OCPP 1.6 §9.1, Core Profile), as GetConfiguration
 * (§5.8) reports them and ChangeConfiguration (§5.3) changes them. Pure: no I/O.
 */

export const SUPPORTED_MEASURANDS = ['Energy.Active.Import.Register', 'Power.Active.Import', 'SoC'] as const;
export type Measurand = (typeof SUPPORTED_MEASURANDS)[number];

export interface ChargerSettings {
  heartbeatIntervalS: number;
  /** Simulated seconds between periodic samples; 0 turns sampling off (§9.1.16). */
  meterValueSampleIntervalS: number;
  meterValuesSampledData: Measurand[];
  stopTransactionOnInvalidId: boolean;
  /** Simulated seconds a remote start waits for a cable before it lapses (§9.1.5). */
  connectionTimeOutS: number;
  numberOfConnectors: number;
}

type KeyDef = {
  readonly: boolean;
  get(s: ChargerSettings): string;
  /** Returns the new settings, or undefined when the value is not acceptable (→ Rejected). */
  set?(s: ChargerSettings, value: string): ChargerSettings | undefined;
};

const nonNegativeInt = (v: string): number | undefined => (/^\d{1,9}$/.test(v.trim()) ? Number(v.trim()) : undefined);
const bool = (v: string): boolean | undefined => (/^true$/i.test(v) ? true : /^false$/i.test(v) ? false : undefined);

const KEYS: Record<string, KeyDef> = {
  HeartbeatInterval: {
    readonly: false,
    get: (s) => String(s.heartbeatIntervalS),
    set: (s, v) => {
      const n = nonNegativeInt(v);
      return n === undefined ? undefined : { ...s, heartbeatIntervalS: n };
    }
  },
  MeterValueSampleInterval: {
    readonly: false,
    get: (s) => String(s.meterValueSampleIntervalS),
    set: (s, v) => {
      const n = nonNegativeInt(v);
      return n === undefined ? undefined : { ...s, meterValueSampleIntervalS: n };
    }
  },
  MeterValuesSampledData: {
    readonly: false,
    get: (s) => s.meterValuesSampledData.join(','),
    set: (s, v) => {
      const list = v.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
      if (!list.every((m): m is Measurand => (SUPPORTED_MEASURANDS as readonly string[]).includes(m))) return undefined;
      return { ...s, meterValuesSampledData: [...new Set(list)] };
    }
  },
  StopTransactionOnInvalidId: {
    readonly: false,
    get: (s) => String(s.stopTransactionOnInvalidId),
    set: (s, v) => {
      const b = bool(v);
      return b === undefined ? undefined : { ...s, stopTransactionOnInvalidId: b };
    }
  },
  ConnectionTimeOut: {
    readonly: false,
    get: (s) => String(s.connectionTimeOutS),
    set: (s, v) => {
      const n = nonNegativeInt(v);
      return n === undefined || n === 0 ? undefined : { ...s, connectionTimeOutS: n };
    }
  },
  NumberOfConnectors: { readonly: true, get: (s) => String(s.numberOfConnectors) },
  SupportedFeatureProfiles: { readonly: true, get: () => 'Core,RemoteTrigger' },
  AuthorizeRemoteTxRequests: { readonly: true, get: () => 'false' },
  LocalAuthorizeOffline: { readonly: true, get: () => 'true' },
  AllowOfflineTxForUnknownId: { readonly: true, get: () => 'true' },
  StopTransactionOnEVSideDisconnect: { readonly: true, get: () => 'true' },
  UnlockConnectorOnEVSideDisconnect: { readonly: true, get: () => 'true' },
  StopTxnSampledData: { readonly: true, get: () => 'Energy.Active.Import.Register' },
  MeterValuesAlignedData: { readonly: true, get: () => '' },
  ClockAlignedDataInterval: { readonly: true, get: () => '0' },
  TransactionMessageAttempts: { readonly: true, get: () => String(TRANSACTION_MESSAGE_ATTEMPTS) },
  TransactionMessageRetryInterval: { readonly: true, get: () => String(TRANSACTION_MESSAGE_RETRY_INTERVAL_S) }
};

/** §3.7.1: how often a transaction message the Central System answered with an error is tried. */
export const TRANSACTION_MESSAGE_ATTEMPTS = 3;
export const TRANSACTION_MESSAGE_RETRY_INTERVAL_S = 5;

export interface ConfigurationKeyValue { key: string; readonly: boolean; value: string }

/** GetConfiguration.conf (§5.8): all keys when none are asked for; unknown ones listed apart. */
export function getConfiguration(s: ChargerSettings, keys?: string[]): { configurationKey: ConfigurationKeyValue[]; unknownKey: string[] } {
  const wanted = keys && keys.length > 0 ? keys : Object.keys(KEYS);
  const configurationKey: ConfigurationKeyValue[] = [];
  const unknownKey: string[] = [];
  for (const key of wanted) {
    const def = KEYS[key];
    if (def) configurationKey.push({ key, readonly: def.readonly, value: def.get(s) });
    else unknownKey.push(key);
  }
  return { configurationKey, unknownKey };
}

export type ChangeConfigurationStatus = 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported';

/** ChangeConfiguration (§5.3): unknown key → NotSupported; read-only key or bad value → Rejected. */
export function changeConfiguration(s: ChargerSettings, key: string, value: string): { status: ChangeConfigurationStatus; settings: ChargerSettings } {
  const def = KEYS[key];
  if (!def) return { status: 'NotSupported', settings: s };
  if (def.readonly || !def.set) return { status: 'Rejected', settings: s };
  const next = def.set(s, value);
  return next ? { status: 'Accepted', settings: next } : { status: 'Rejected', settings: s };
}
