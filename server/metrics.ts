/**
 * Prometheus metrics (prom-client), one registry per plugpay instance (tests run several in one
 * process). What an operator pages on: sessions by state, how far meter readings lag, outbox
 * depth and dead letters, Vipps latency and errors, OCPP connections, alerts.
 * Figures that live in the database are read when scraped, not kept in step by hand.
 */
import client from 'prom-client';

export interface MetricSources {
  /** Sessions by state, from the store. */
  sessionsByState(): Promise<Array<{ state: string; count: number }>>;
  /** Outbox jobs waiting and dead-lettered. */
  outboxDepth(): Promise<{ pending: number; dead: number }>;
  /** Chargers connected to this node. */
  ocppConnections(): number;
  /** Live sessions held in memory on this node. */
  liveSessions(): number;
}

export interface Metrics {
  registry: client.Registry;
  /** From a charger's MeterValues arriving to the phone's update being sent, seconds. */
  meterLag: client.Histogram<string>;
  vippsRequests: client.Counter<'operation' | 'status'>;
  vippsLatency: client.Histogram<'operation'>;
  outboxAttempts: client.Counter<'kind' | 'outcome'>;
  alerts: client.Counter<'kind'>;
  chargerAnomalies: client.Counter<'kind'>;
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ app: 'plugpay' });
  client.collectDefaultMetrics({ register: registry });

  new client.Gauge({
    name: 'plugpay_sessions',
    help: 'Charging sessions by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await sources.sessionsByState()) this.set({ state: r.state }, r.count);
    }
  });
  new client.Gauge({
    name: 'plugpay_outbox_jobs',
    help: 'Outbox jobs not yet done: pending, or dead-lettered (still retried slowly; an operator must look)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const d = await sources.outboxDepth();
      this.set({ state: 'pending' }, d.pending);
      this.set({ state: 'dead' }, d.dead);
    }
  });
  new client.Gauge({
    name: 'plugpay_ocpp_connections',
    help: 'Chargers connected to this node',
    registers: [registry],
    collect() {
      this.set(sources.ocppConnections());
    }
  });
  new client.Gauge({
    name: 'plugpay_live_sessions_in_memory',
    help: 'Live sessions held in memory on this node (their charger is connected here)',
    registers: [registry],
    collect() {
      this.set(sources.liveSessions());
    }
  });

  return {
    registry,
    meterLag: new client.Histogram({
      name: 'plugpay_meter_lag_seconds',
      help: 'From MeterValues received to the session update sent to the phone',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry]
    }),
    vippsRequests: new client.Counter({
      name: 'plugpay_vipps_requests_total',
      help: 'Calls to Vipps MobilePay by operation and HTTP status (0: no answer)',
      labelNames: ['operation', 'status'],
      registers: [registry]
    }),
    vippsLatency: new client.Histogram({
      name: 'plugpay_vipps_request_seconds',
      help: 'Latency of calls to Vipps MobilePay, per attempt',
      labelNames: ['operation'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry]
    }),
    outboxAttempts: new client.Counter({
      name: 'plugpay_outbox_attempts_total',
      help: 'Outbox job attempts by kind and outcome (done, waiting, failed, dead)',
      labelNames: ['kind', 'outcome'],
      registers: [registry]
    }),
    alerts: new client.Counter({
      name: 'plugpay_alerts_total',
      help: 'Conditions an operator must act on (stop-unconfirmed, dead-letter)',
      labelNames: ['kind'],
      registers: [registry]
    }),
    chargerAnomalies: new client.Counter({
      name: 'plugpay_charger_anomalies_total',
      help: 'Charger claims plugpay corrected before billing (clock out of bounds, energy beyond the connector, register backwards)',
      labelNames: ['kind'],
      registers: [registry]
    })
  };
}

/**
 * The operation a Vipps URL names, without references or ids (they would make a label per
 * payment): `/epayment/v1/payments/plugpay-ab12/capture` → `epayment.payments.capture`.
 */
export function vippsOperation(method: string, url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return `${method} unknown`;
  }
  const parts = path.split('/').filter(Boolean);
  const api = parts.findIndex((p) => /^v\d+$/.test(p));
  const words = (api >= 0 ? [parts[api - 1], ...parts.slice(api + 1)] : parts).filter((p) => /^[a-z][a-z-]*$/.test(p) && !/^plugpay-/.test(p));
  return `${method.toUpperCase()} ${words.join('.') || 'root'}`;
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** A fetch that counts and times each call to Vipps. */
export function measuredFetch(inner: FetchLike, metrics: Pick<Metrics, 'vippsRequests' | 'vippsLatency'>): FetchLike {
  return async (input, init) => {
    const operation = vippsOperation(init?.method ?? 'GET', input);
    const end = metrics.vippsLatency.startTimer({ operation });
    try {
      const res = await inner(input, init);
      metrics.vippsRequests.inc({ operation, status: String(res.status) });
      return res;
    } catch (err) {
      metrics.vippsRequests.inc({ operation, status: '0' });
      throw err;
    } finally {
      end();
    }
  };
}
