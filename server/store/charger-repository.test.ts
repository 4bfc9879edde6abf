import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb } from '../../tests/helpers/db.js';
import { ChargerExistsError, ChargerInUseError, ChargerRepository } from './charger-repository.js';
import type { Db } from './db.js';

const t = (iso: string) => new Date(iso);

describe.each(backends())('charger repository on %s', (backend) => {
  let db: Db;
  let repo: ChargerRepository;
  beforeAll(async () => {
    db = await freshDb(backend);
    repo = new ChargerRepository(db);
  });
  afterAll(async () => db?.close());

  it('registers a charger with connectors named <id>-<n>, and refuses the same id twice', async () => {
    const c = await repo.register({ id: 'CP-1', passwordHash: 'h', connectors: 2, plugType: 'CCS', maxPowerW: 50000 });
    expect(c.connectors.map((k) => [k.id, k.connectorNo, k.plugType, k.maxPowerW, k.status])).toEqual([
      ['CP-1-1', 1, 'CCS', 50000, 'unknown'],
      ['CP-1-2', 2, 'CCS', 50000, 'unknown']
    ]);
    expect(c.online).toBe(false);
    await expect(repo.register({ id: 'CP-1', passwordHash: 'x', connectors: 1 })).rejects.toBeInstanceOf(ChargerExistsError);
    expect(await repo.passwordHash('CP-1')).toBe('h');
    expect(await repo.passwordHash('nope')).toBeNull();
    expect((await repo.list()).map((x) => x.id)).toEqual(['CP-1']);
  });

  it('stores boot info, online/offline by node, and crash clean-up by node', async () => {
    await repo.setBootInfo('CP-1', { vendor: 'V', model: 'M', firmwareVersion: '1.2' }, t('2025-01-01T10:00:00Z'));
    await repo.markOnline('CP-1', 'node-a', t('2025-01-01T10:00:01Z'));
    let c = await repo.find('CP-1');
    expect([c?.vendor, c?.model, c?.serialNumber, c?.firmwareVersion, c?.online, c?.nodeId]).toEqual(['V', 'M', null, '1.2', true, 'node-a']);
    // The charger moved to node-b: node-a's late close must not mark it offline.
    await repo.markOnline('CP-1', 'node-b', t('2025-01-01T10:00:02Z'));
    expect(await repo.markOffline('CP-1', 'node-a', t('2025-01-01T10:00:03Z'))).toBe(false);
    expect((await repo.find('CP-1'))?.online).toBe(true);
    expect(await repo.markAllOfflineForNode('node-a')).toEqual([]);
    expect(await repo.markAllOfflineForNode('node-b')).toEqual(['CP-1']);
    c = await repo.find('CP-1');
    expect(c?.online).toBe(false);
  });

  it('keeps the newest connector status and ignores unknown connectors', async () => {
    expect(await repo.setConnectorStatus('CP-1', 1, 'charging', null, t('2025-01-01T10:05:00Z'))).toBe(true);
    expect(await repo.setConnectorStatus('CP-1', 1, 'available', null, t('2025-01-01T10:04:00Z'))).toBe(false);
    expect(await repo.setConnectorStatus('CP-1', 9, 'available', null, t('2025-01-01T10:06:00Z'))).toBe(false);
    expect((await repo.find('CP-1'))?.connectors[0].status).toBe('charging');
  });

  it('starts a transaction once per natural key and stops it exactly once', async () => {
    const start = { chargerId: 'CP-1', connectorNo: 1, idTag: 'TAG1', meterStartWh: 1000, startedAt: t('2025-01-01T11:00:00Z') };
    const a = await repo.startTransaction(start);
    const b = await repo.startTransaction(start);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.transaction.id).toBe(a.transaction.id);
    const stop = { meterStopWh: 5000, stoppedAt: t('2025-01-01T12:00:00Z'), reason: 'Remote' };
    const first = await repo.stopTransaction(a.transaction.id, stop);
    expect([first?.meterStopWh, first?.stopReason]).toEqual([5000, 'Remote']);
    expect(await repo.stopTransaction(a.transaction.id, { ...stop, meterStopWh: 9999 })).toBeNull();
    expect(await repo.stopTransaction(424242, stop)).toBeNull();
    expect((await repo.findTransaction(a.transaction.id))?.meterStopWh).toBe(5000);
  });

  it('forgets an unannounced transaction, and refuses to remove a charger with history', async () => {
    const { transaction } = await repo.startTransaction({ chargerId: 'CP-1', connectorNo: 1, idTag: 'TAG3', meterStartWh: 0, startedAt: t('2025-01-03T00:00:00Z') });
    await repo.forgetTransaction(transaction.id);
    expect(await repo.findTransaction(transaction.id)).toBeNull();
    await expect(repo.remove('CP-1')).rejects.toBeInstanceOf(ChargerInUseError);
    await repo.register({ id: 'CP-2', passwordHash: 'h', connectors: 1 });
    expect(await repo.remove('CP-2')).toBe(true);
    expect(await repo.remove('CP-2')).toBe(false);
    expect(await repo.find('CP-2')).toBeNull();
  });
});
