/**
 * Live sessions at a chosen scale: each one a bare OCPP charger in a running transaction that
 * sends one MeterValues per interval, and a phone in the session's room. Sessions start at
 * phases spread evenly over the interval (a golden-ratio sequence, even for any prefix, so the
 * load stays smooth while it grows), and measuring windows collect send → phone latencies.
 */
import { BareCharger } from './ocpp-charger.js';
import { Phone, type PhoneUpdate } from './phone.js';
import { SampleTrack, summarize, Window, type LatencySummary } from './samples.js';
import { inPool, type LoadTarget, type OpenSession } from './targets.js';

/**
 * The car draws 11 kW: the energy register follows power × time since the transaction started
 * (plugpay bounds a claim by the connector's power and the time it heard, so a register running
 * ahead of the clock would be billed, and shown, as less), and it rises by at least 1 Wh per
 * sample, so every sample's value is unique.
 */
const POWER_W = 11_000;
const GOLDEN = 0.6180339887498949;

/** A distinct private IPv4 address per phone: 10.x.y.z from a counter. */
function deviceAddress(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

interface Live {
  charger: BareCharger;
  phone: Phone;
  track: SampleTrack;
  session: OpenSession;
  samples: number;
  startedAt: number;
  lastWh: number;
  timer?: NodeJS.Timeout;
  onUpdate?: (u: PhoneUpdate, at: number) => void;
}

export interface MeterLoadOptions {
  /** Charge point ids are `<prefix>-<n>`; unique per server run. */
  prefix: string;
  intervalMs: number;
  /** Parallel connects (each costs plugpay a scrypt verify) and parallel session openings. */
  connectConcurrency?: number;
  sessionConcurrency?: number;
  log?: (msg: string) => void;
}

export interface StopSettled {
  ms: number;
  state: string;
  receipt: boolean;
}

export class MeterLoad {
  private readonly live: Live[] = [];
  private readonly idle: BareCharger[] = [];
  private window?: Window;
  private made = 0;
  private phones = 0;
  /** Sessions that could not be opened, with the first reason. */
  failures = 0;
  firstFailure?: string;

  constructor(private readonly target: LoadTarget, private readonly opts: MeterLoadOptions) {}

  get size(): number {
    return this.live.length;
  }

  /** Where the ramp's time went, in words. */
  setupSummary(): string {
    const s = this.setupSeconds;
    const steps = this.target.stepSeconds;
    return (
      `${this.live.length} sessions opened; register ${s.register.toFixed(0)} s, connect ${s.connect.toFixed(0)} s (overlapping), open ${s.open.toFixed(0)} s` +
      (steps ? ` (per session, mean: ${Object.entries(steps).map(([k, v]) => `${k} ${((v / Math.max(1, this.live.length + this.failures)) * 1000).toFixed(0)} ms`).join(', ')})` : '')
    );
  }

  /** Chargers connected now: with a session or idle. */
  get connectedChargers(): number {
    return this.live.length + this.idle.length;
  }

  get phoneDrops(): number {
    return this.live.reduce((n, l) => n + l.phone.drops, 0);
  }

  /** Seconds spent so far registering, connecting (with boot) and opening sessions. */
  readonly setupSeconds = { register: 0, connect: 0, open: 0 };

  /** Registers, connects and boots `count` new chargers (idle: status Available, no session). */
  private async chargers(count: number): Promise<BareCharger[]> {
    const ids = Array.from({ length: count }, () => `${this.opts.prefix}-${++this.made}`);
    let t = performance.now();
    await this.target.register(ids);
    this.setupSeconds.register += (performance.now() - t) / 1000;
    t = performance.now();
    const out: BareCharger[] = [];
    await inPool(ids, this.opts.connectConcurrency ?? 8, async (id) => {
      const c = new BareCharger({ url: this.target.ocppUrl, id, password: this.target.chargerPassword });
      await c.connect();
      await c.boot();
      await c.status(1, 'Available');
      out.push(c);
    });
    this.setupSeconds.connect += (performance.now() - t) / 1000;
    return out;
  }

  /**
   * Grows to `n` live sessions, `batch` chargers at a time so the server is never hit all at
   * once. Stops early (returning false) when `deadline` (a performance.now() time) has passed.
   */
  async growTo(n: number, deadline = Infinity, batch = 100): Promise<boolean> {
    const remaining = () => n - this.live.length - this.failures;
    // The next batch registers and connects (scrypt work, on the server's thread pool) while
    // this one opens its sessions (the server's main thread), so the ramp uses both.
    let ahead = 0;
    let next: Promise<BareCharger[]> | undefined;
    const fetchAhead = () => {
      const want = Math.min(batch, remaining() - ahead);
      if (want <= 0) return undefined;
      ahead += want;
      return this.chargers(want);
    };
    next = fetchAhead();
    while (next) {
      const chargers = await next;
      if (performance.now() > deadline) {
        this.idle.push(...chargers); // connected, never used: closed with the rest
        return false;
      }
      next = fetchAhead();
      const t = performance.now();
      await inPool(chargers, this.opts.sessionConcurrency ?? 24, async (charger) => {
        const live: Live = { charger, track: new SampleTrack(), samples: 0, startedAt: 0, lastWh: 0, session: undefined as never, phone: undefined as never };
        live.phone = new Phone(this.target.socketUrl, deviceAddress(++this.phones), (u, at) => {
          if (typeof u.energyWh === 'number') live.track.seen(u.energyWh, at);
          live.onUpdate?.(u, at);
        });
        try {
          live.session = await this.target.openSession(charger, live.phone);
          live.startedAt = performance.now();
        } catch (err) {
          this.failures++;
          this.firstFailure ??= (err as Error).message;
          live.phone.close();
          await charger.close();
          return;
        }
        this.start(live, this.live.length);
        this.live.push(live);
      });
      ahead -= chargers.length;
      this.setupSeconds.open += (performance.now() - t) / 1000;
      const s = this.setupSeconds;
      this.opts.log?.(
        `  ${this.target.name}: ${this.live.length} live sessions${this.failures ? ` (${this.failures} failed to open)` : ''}` +
          ` (setup so far: register ${s.register.toFixed(0)} s, connect ${s.connect.toFixed(0)} s, open ${s.open.toFixed(0)} s)`
      );
    }
    return true;
  }

  private start(live: Live, index: number): void {
    const tick = () => {
      live.samples++;
      const wh = Math.max(live.lastWh + 1, Math.floor((POWER_W * (performance.now() - live.startedAt)) / 3_600_000));
      live.lastWh = wh;
      const w = this.window;
      live.track.sent(wh, performance.now(), w);
      live.charger.meterValues(1, live.session.transactionId, wh, POWER_W).catch(() => {
        if (w?.open) w.callErrors++;
      });
    };
    const phase = ((index * GOLDEN) % 1) * this.opts.intervalMs;
    live.timer = setTimeout(() => {
      tick();
      live.timer = setInterval(tick, this.opts.intervalMs);
    }, phase);
  }

  /** Counts every sample sent from now until `measure` ends it. */
  async measure(ms: number, drainMs = 5000): Promise<LatencySummary> {
    const w = new Window();
    this.window = w;
    await new Promise((r) => setTimeout(r, ms));
    w.open = false;
    this.window = undefined;
    // Samples still on their way get `drainMs` to show up; whatever has not by then is lost.
    const until = Date.now() + drainMs;
    while (w.outstanding.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    return summarize(w);
  }

  /**
   * Stops `count` sessions one after another, as the driver's stop button does, while the rest
   * keep charging; times each from the stop request to the phone showing it settled.
   */
  async stopAndSettle(count: number, stop: (s: OpenSession, phone: Phone) => Promise<void>, timeoutMs = 30_000): Promise<StopSettled[]> {
    const out: StopSettled[] = [];
    for (let i = 0; i < count && this.live.length > 0; i++) {
      const live = this.live.pop()!;
      clearTimeout(live.timer);
      clearInterval(live.timer);
      const lastWh = live.lastWh;
      live.charger.once('remoteStop', (tx: number) => {
        // A charger ends the transaction after accepting the remote stop (OCPP 1.6 §5.12).
        void (async () => {
          await live.charger.stopTransaction(tx, lastWh, 'Remote');
          await live.charger.status(1, 'Finishing');
          await live.charger.status(1, 'Available');
        })().catch(() => undefined);
      });
      const settled = new Promise<StopSettled>((resolve) => {
        const t = setTimeout(() => resolve({ ms: NaN, state: 'timeout', receipt: false }), timeoutMs);
        live.onUpdate = (u, at) => {
          if (u.state === 'completed' || u.state === 'failed') {
            clearTimeout(t);
            resolve({ ms: at - t0, state: u.state, receipt: u.receipt !== undefined && u.receipt !== null });
          }
        };
      });
      const t0 = performance.now();
      await stop(live.session, live.phone);
      out.push(await settled);
      live.phone.close();
      await live.charger.close();
    }
    return out;
  }

  /** Connects `count` more chargers that only sit there (for the memory figure). */
  async addIdle(count: number): Promise<void> {
    for (let done = 0; done < count; ) {
      const n = Math.min(500, count - done);
      this.idle.push(...(await this.chargers(n)));
      done += n;
      this.opts.log?.(`  ${this.target.name}: ${this.idle.length} idle chargers connected`);
    }
  }

  async close(): Promise<void> {
    for (const l of this.live) {
      clearTimeout(l.timer);
      clearInterval(l.timer);
      l.phone.close();
    }
    await Promise.all([...this.live.map((l) => l.charger.close()), ...this.idle.map((c) => c.close())]);
    this.live.length = 0;
    this.idle.length = 0;
  }
}
