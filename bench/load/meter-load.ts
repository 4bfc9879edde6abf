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

/** Energy added per sample: ~11 kW for 10 s. Small, so the reservation never runs out in a bench. */
const WH_PER_SAMPLE = 30;
const POWER_W = 11_000;
const GOLDEN = 0.6180339887498949;

interface Live {
  charger: BareCharger;
  phone: Phone;
  track: SampleTrack;
  session: OpenSession;
  samples: number;
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
  /** Sessions that could not be opened, with the first reason. */
  failures = 0;
  firstFailure?: string;

  constructor(private readonly target: LoadTarget, private readonly opts: MeterLoadOptions) {}

  get size(): number {
    return this.live.length;
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
    while (this.live.length + this.failures < n) {
      if (performance.now() > deadline) return false;
      const want = Math.min(batch, n - this.live.length - this.failures);
      const chargers = await this.chargers(want);
      const t = performance.now();
      await inPool(chargers, this.opts.sessionConcurrency ?? 8, async (charger) => {
        const live: Live = { charger, track: new SampleTrack(), samples: 0, session: undefined as never, phone: undefined as never };
        live.phone = new Phone(this.target.socketUrl, (u, at) => {
          if (typeof u.energyWh === 'number') live.track.seen(u.energyWh, at);
          live.onUpdate?.(u, at);
        });
        try {
          live.session = await this.target.openSession(charger, live.phone);
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
      const wh = live.samples * WH_PER_SAMPLE;
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
  async stopAndSettle(count: number, stop: (s: OpenSession) => Promise<void>, timeoutMs = 30_000): Promise<StopSettled[]> {
    const out: StopSettled[] = [];
    for (let i = 0; i < count && this.live.length > 0; i++) {
      const live = this.live.pop()!;
      clearTimeout(live.timer);
      clearInterval(live.timer);
      const lastWh = live.samples * WH_PER_SAMPLE;
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
      await stop(live.session);
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
