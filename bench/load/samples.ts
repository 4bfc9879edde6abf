/**
 * Meter samples from send to phone. Every sample carries a unique, increasing energy register
 * value per session, so the phone's update says which samples it covers: an update showing
 * energy E delivers every sample of that session with energy ≤ E. (A server that coalesces
 * updates still delivers what the driver sees; only a value never reached counts as lost.)
 */

/** The samples sent while one measuring window was open. */
export class Window {
  readonly latencies: number[] = [];
  sent = 0;
  /** MeterValues that were answered with a CALLERROR or not at all. */
  callErrors = 0;
  readonly outstanding = new Set<Sample>();
  open = true;
}

interface Sample {
  energyWh: number;
  sentAt: number;
  window?: Window;
}

/** One session's samples not yet seen by its phone, oldest first. */
export class SampleTrack {
  private pending: Sample[] = [];

  sent(energyWh: number, at: number, window: Window | undefined): Sample {
    const s: Sample = { energyWh, sentAt: at, window: window?.open ? window : undefined };
    if (s.window) {
      s.window.sent++;
      s.window.outstanding.add(s);
    }
    this.pending.push(s);
    return s;
  }

  seen(energyWh: number, at: number): void {
    let n = 0;
    while (n < this.pending.length && this.pending[n].energyWh <= energyWh) {
      const s = this.pending[n++];
      if (s.window) {
        s.window.latencies.push(at - s.sentAt);
        s.window.outstanding.delete(s);
      }
    }
    if (n > 0) this.pending = this.pending.slice(n);
  }
}

export interface LatencySummary {
  samples: number;
  sent: number;
  lost: number;
  callErrors: number;
  p50: number;
  p99: number;
  max: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function summarize(w: Window): LatencySummary {
  const sorted = [...w.latencies].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    sent: w.sent,
    lost: w.outstanding.size,
    callErrors: w.callErrors,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN
  };
}
