/**
 * Commands for a charger connected to another node travel through the Redis relay. The suite's
 * global setup makes sure REDIS_URL_TEST reaches a Redis server (tests/test-services.ts).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcppGateway, type OcppGateway } from '../server/chargers/gateway.js';
import { ChargerCommandError, ChargerUnavailableError } from '../server/chargers/port.js';
import { RecordingListener } from '../server/chargers/recording-listener.js';
import { createRedisRelay, type RedisRelay } from '../server/chargers/redis-relay.js';
import { registerCharger } from '../server/chargers/registration.js';
import { silentLogger } from '../server/log.js';
import type { Db } from '../server/store/db.js';
import { freshDb } from './helpers/db.js';

const url = process.env.REDIS_URL_TEST as string;

describe('Redis command relay', () => {
  const prefix = `plugpay-test-${randomBytes(4).toString('hex')}`;
  const relays: RedisRelay[] = [];
  const relay = async (nodeId: string, timeoutMs = 5000) => {
    const r = await createRedisRelay({ url, nodeId, logger: silentLogger, prefix, timeoutMs });
    relays.push(r);
    return r;
  };
  afterAll(async () => {
    await Promise.all(relays.map((r) => r.close()));
  });

  it('carries a call to the node that serves it, and its answer back', async () => {
    const a = await relay('a');
    const b = await relay('b');
    const served: unknown[] = [];
    b.serve(async (chargerId, method, params) => {
      served.push([chargerId, method, params]);
      return { status: 'Accepted' };
    });
    await expect(a.send('b', 'CP-9', 'Reset', { type: 'Soft' })).resolves.toEqual({ status: 'Accepted' });
    expect(served).toEqual([['CP-9', 'Reset', { type: 'Soft' }]]);
  });

  it('brings the serving node errors back by kind', async () => {
    const a = await relay('a2');
    const b = await relay('b2');
    b.serve(async (chargerId, method) => {
      if (method === 'Reset') throw new ChargerUnavailableError(chargerId);
      throw new ChargerCommandError(chargerId, 'NotSupported');
    });
    await expect(a.send('b2', 'CP-9', 'Reset', { type: 'Soft' })).rejects.toBeInstanceOf(ChargerUnavailableError);
    await expect(a.send('b2', 'CP-9', 'ChangeConfiguration', { key: 'k', value: 'v' })).rejects.toBeInstanceOf(ChargerCommandError);
  });

  it('answers ChargerUnavailableError for a node nobody serves, and for one that never answers', async () => {
    const a = await relay('a3', 300);
    await relay('silent');
    await expect(a.send('gone', 'CP-9', 'Reset', { type: 'Soft' })).rejects.toBeInstanceOf(ChargerUnavailableError);
    // 'silent' subscribes but serves nothing yet: it answers with an error.
    await expect(a.send('silent', 'CP-9', 'Reset', { type: 'Soft' })).rejects.toBeInstanceOf(ChargerUnavailableError);
    const slow = await relay('slow');
    slow.serve(() => new Promise(() => undefined));
    await expect(a.send('slow', 'CP-9', 'Reset', { type: 'Soft' })).rejects.toThrow(/did not answer/);
  });

  describe('between two gateways', () => {
    let db: Db;
    const gateways: OcppGateway[] = [];
    const servers: Server[] = [];
    let charger: any;
    const seen: unknown[] = [];
    const listeners = [new RecordingListener(), new RecordingListener()];

    beforeAll(async () => {
      db = await freshDb();
      await registerCharger(db, { id: 'CP-R', password: 'relay-password-123', connectors: 1 });
      for (const [i, nodeId] of ['gw-a', 'gw-b'].entries()) {
        const g = await createOcppGateway({
          db,
          listener: listeners[i],
          logger: silentLogger,
          nodeId,
          heartbeatSeconds: 60,
          meterIntervalSeconds: 10,
          relay: await relay(nodeId)
        });
        const s = createServer();
        s.on('upgrade', (req, socket, head) => {
          if (!g.handleUpgrade(req, socket, head)) socket.destroy();
        });
        await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
        gateways.push(g);
        servers.push(s);
      }
      charger = new RPCClient({
        endpoint: `ws://127.0.0.1:${(servers[1].address() as AddressInfo).port}/ocpp`,
        identity: 'CP-R',
        password: 'relay-password-123',
        protocols: ['ocpp1.6'],
        strictMode: true,
        reconnect: false
      } as any);
      charger.handle('RemoteStartTransaction', async ({ params }: any) => {
        seen.push(params);
        return { status: 'Accepted' };
      });
      await charger.connect();
      // Gateway B tells its listener once the store says the charger is online there.
      await listeners[1].next('chargerOnline', (e) => e.chargerId === 'CP-R', 0);
    });
    afterAll(async () => {
      await charger?.close({ force: true });
      for (const g of gateways) await g.close();
      for (const s of servers) await new Promise((resolve) => s.close(resolve));
      await db?.close();
    });

    it('routes a command from node A to the charger on node B', async () => {
      expect(gateways[0].connectedIds()).toEqual([]);
      expect(await gateways[0].commands.isConnected('CP-R')).toBe(true);
      await expect(gateways[0].commands.remoteStart('CP-R', 1, 'VIA-REDIS')).resolves.toBe('accepted');
      expect(seen).toEqual([{ connectorId: 1, idTag: 'VIA-REDIS' }]);
    });
  });
});
