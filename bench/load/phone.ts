/**
 * A driver's phone: one Socket.IO client that joins one room and reports every update it gets.
 * WebSocket transport only: the long-polling handshake would measure HTTP, not the meter path,
 * and thousands of polling clients would load the generator more than the server.
 */
import { io, type Socket } from 'socket.io-client';

export interface PhoneUpdate {
  state?: string;
  energyWh?: number;
  receipt?: unknown;
}

export class Phone {
  private readonly socket: Socket;
  /** Disconnects seen after the first connect (a dropped phone would show up as lost samples). */
  drops = 0;

  /**
   * `device`: the phone's own address, sent as X-Forwarded-For. Every phone of the bench comes
   * from 127.0.0.1, so plugpay runs with TRUSTED_PROXIES=1 (as behind a proxy in production) and
   * counts its per-device limits per phone, not for the whole bench.
   */
  constructor(url: string, readonly device: string, onUpdate: (u: PhoneUpdate, at: number) => void) {
    this.socket = io(url, {
      extraHeaders: { 'x-forwarded-for': device },
      path: '/socket.io',
      transports: ['websocket'],
      // Each phone is its own connection; the default would multiplex them onto one.
      forceNew: true,
      reconnection: false,
      timeout: 30_000
    });
    this.socket.on('session:update', (u: PhoneUpdate) => onUpdate(u, performance.now()));
    this.socket.on('disconnect', () => this.drops++);
  }

  /**
   * Resolves once connected; rejects on a connect error, or when the server has already closed
   * the socket (it does not reconnect): a phone dropped before it joined must fail its session's
   * opening, not hold the bench's ramp forever.
   */
  connected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    if (!this.socket.active) return Promise.reject(new Error('phone was disconnected before it joined'));
    return new Promise((resolve, reject) => {
      const off = () => {
        this.socket.off('connect', onConnect);
        this.socket.off('connect_error', onError);
        this.socket.off('disconnect', onDisconnect);
      };
      const onConnect = () => (off(), resolve());
      const onError = (err: Error) => (off(), reject(new Error(`phone could not connect: ${err.message}`, { cause: err })));
      const onDisconnect = (reason: string) => (off(), reject(new Error(`phone was disconnected before it joined (${reason})`)));
      this.socket.on('connect', onConnect);
      this.socket.on('connect_error', onError);
      this.socket.on('disconnect', onDisconnect);
    });
  }

  /** Emits a join event and resolves with its acknowledged data (`{ok, data}` or `{ok:false, error}`). */
  async join<T>(event: string, payload: unknown): Promise<T> {
    await this.connected();
    const reply = (await this.socket.timeout(30_000).emitWithAck(event, payload)) as { ok: boolean; data?: T; error?: string };
    if (!reply.ok) throw new Error(`${event} refused: ${reply.error}`);
    return reply.data as T;
  }

  close(): void {
    this.socket.removeAllListeners('disconnect');
    this.socket.disconnect();
  }
}
