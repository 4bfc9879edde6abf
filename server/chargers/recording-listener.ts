/**
 * A ChargerListener that records what it hears, for tests of the gateway and of anything that
 * drives chargers. `next(kind)` waits for an event instead of sleeping.
 */
import type { ChargerListener, IdTagVerdict } from './port.js';

export type ListenerEventKind = keyof ChargerListener;
export interface ListenerEvent {
  kind: ListenerEventKind;
  payload: any;
}

export class RecordingListener implements ChargerListener {
  readonly events: ListenerEvent[] = [];
  /** Verdicts by idTag; anything else is 'accepted'. */
  readonly verdicts = new Map<string, IdTagVerdict>();
  private readonly failures = new Set<ListenerEventKind>();
  private waiters: { kind: ListenerEventKind; match: (p: any) => boolean; seen: number; resolve: (e: any) => void }[] = [];

  /** The next call of `kind` throws (once). */
  failNext(kind: ListenerEventKind): void {
    this.failures.add(kind);
  }

  of(kind: ListenerEventKind): any[] {
    return this.events.filter((e) => e.kind === kind).map((e) => e.payload);
  }

  /** Resolves with the first event of `kind` matching `match` recorded from now on, or already recorded after `since`. */
  next(kind: ListenerEventKind, match: (p: any) => boolean = () => true, since = this.events.length): Promise<any> {
    const found = this.events.slice(since).find((e) => e.kind === kind && match(e.payload));
    if (found) return Promise.resolve(found.payload);
    return new Promise((resolve) => this.waiters.push({ kind, match, seen: since, resolve }));
  }

  private record(kind: ListenerEventKind, payload: any): void {
    if (this.failures.delete(kind)) throw new Error(`listener ${kind} failed (test)`);
    this.events.push({ kind, payload });
    const ready = this.waiters.filter((w) => w.kind === kind && w.match(payload));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(payload);
  }

  async authorize(idTag: string) {
    this.record('authorize', { idTag });
    return this.verdicts.get(idTag) ?? 'accepted';
  }
  async chargerOnline(e: any) {
    this.record('chargerOnline', e);
  }
  async chargerOffline(e: any) {
    this.record('chargerOffline', e);
  }
  async connectorStatusChanged(e: any) {
    this.record('connectorStatusChanged', e);
  }
  async transactionStarted(e: any) {
    this.record('transactionStarted', e);
    return this.verdicts.get(e.idTag) ?? 'accepted';
  }
  async meterSampled(e: any) {
    this.record('meterSampled', e);
  }
  async transactionStopped(e: any) {
    this.record('transactionStopped', e);
  }
  async stopVerdict(e: any) {
    this.record('stopVerdict', e);
    return this.verdicts.get(e.idTag) ?? 'accepted';
  }
}
