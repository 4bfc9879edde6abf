/**
 * A minimal OCPP 1.6J Central System for the simulator's tests: an ocpp-rpc RPCServer on a random
 * loopback port that checks the Basic-auth password, validates every message against the 1.6
 * schemas (strictMode), answers with overridable handlers and records every call in arrival order.
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
// ocpp-rpc is CommonJS: Node's ESM loader cannot see its named exports, so take them from the default.
import ocppRpc from 'ocpp-rpc';
const { RPCServer } = ocppRpc;

export interface RecordedCall {
  seq: number;
  identity: string;
  method: string;
  params: any;
  /** Real time of arrival, ms. */
  receivedAt: number;
}

export type CallHandler = (params: any, identity: string) => unknown;

export interface FakeCentralSystem {
  /** ws://127.0.0.1:<port>/ocpp */
  url: string;
  calls: RecordedCall[];
  /** Replace the answer to one action. */
  on(method: string, handler: CallHandler): void;
  /** The first recorded call (past or future) that matches. */
  waitFor(method: string, match?: (c: RecordedCall) => boolean): Promise<RecordedCall>;
  /** The n-th (1-based) matching call. */
  waitForNth(method: string, n: number, match?: (c: RecordedCall) => boolean): Promise<RecordedCall>;
  /** A CALL from the Central System to a connected charger. */
  call(identity: string, method: string, params: object): Promise<any>;
  /** Identities currently connected. */
  connected(): string[];
  close(): Promise<void>;
}

export async function startFakeCentralSystem(opts: { passwords?: Record<string, string> } = {}): Promise<FakeCentralSystem> {
  const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
  const calls: RecordedCall[] = [];
  const events = new EventEmitter();
  const clients = new Map<string, any>();
  let nextTransactionId = 1000;
  const handlers = new Map<string, CallHandler>([
    ['BootNotification', () => ({ status: 'Accepted', interval: 300, currentTime: new Date().toISOString() })],
    ['StatusNotification', () => ({})],
    ['Heartbeat', () => ({ currentTime: new Date().toISOString() })],
    ['Authorize', () => ({ idTagInfo: { status: 'Accepted' } })],
    ['StartTransaction', () => ({ transactionId: ++nextTransactionId, idTagInfo: { status: 'Accepted' } })],
    ['MeterValues', () => ({})],
    ['StopTransaction', () => ({})]
  ]);

  server.auth((accept, reject, handshake) => {
    const expected = opts.passwords?.[handshake.identity];
    if (expected !== undefined && handshake.password?.toString('utf8') !== expected) {
      reject(401, 'bad password');
      return;
    }
    accept({});
  });

  server.on('client', (client: any) => {
    const identity: string = client.identity;
    clients.set(identity, client);
    client.on('close', () => {
      if (clients.get(identity) === client) clients.delete(identity);
    });
    client.handle(({ method, params }: { method: string; params: unknown }) => {
      const rec: RecordedCall = { seq: calls.length, identity, method, params, receivedAt: Date.now() };
      calls.push(rec);
      events.emit('call', rec);
      const h = handlers.get(method);
      if (!h) throw new Error(`fake central system has no handler for ${method}`);
      return Promise.resolve(h(params, identity));
    });
  });

  const http = await server.listen(0, '127.0.0.1');
  const { port } = http.address() as AddressInfo;

  const waitForNth = (method: string, n: number, match: (c: RecordedCall) => boolean = () => true) =>
    new Promise<RecordedCall>((resolve) => {
      let seen = 0;
      const check = (c: RecordedCall) => c.method === method && match(c) && ++seen === n;
      for (const c of calls) if (check(c)) return resolve(c);
      const listener = (c: RecordedCall) => {
        if (check(c)) {
          events.off('call', listener);
          resolve(c);
        }
      };
      events.on('call', listener);
    });

  return {
    url: `ws://127.0.0.1:${port}/ocpp`,
    calls,
    on: (method, handler) => void handlers.set(method, handler),
    waitFor: (method, match) => waitForNth(method, 1, match),
    waitForNth,
    call: (identity, method, params) => {
      const c = clients.get(identity);
      if (!c) throw new Error(`${identity} is not connected`);
      return c.call(method, params);
    },
    connected: () => [...clients.keys()],
    close: () => server.close({ force: true })
  };
}
