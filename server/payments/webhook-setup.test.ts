import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import type { Db } from '../store/db.js';
import { SettingsRepository } from '../store/settings-repository.js';
import { freshDb } from '../../tests/helpers/db.js';
import { VippsPayments } from './vipps-payments.js';
import { VippsClient } from './vipps/client.js';
import { TOKEN_BODY, fakeFetch, json } from './vipps/fake-fetch.test-helper.js';
import { EPAYMENT_EVENTS, ensureWebhookRegistration, sealedRegistrationStore } from './webhook-setup.js';

const URL_ = 'https://plugpay.example/webhooks/vipps';
const SECRET = 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==';
const SERVER_SECRET = Buffer.from('webhook-setup-test-server-secret-0123456789');

let db: Db;
const settings = new SettingsRepository();
beforeEach(async () => {
  db = await freshDb('pglite');
});
afterEach(async () => db.close());

function store(serverSecret: Buffer | string = SERVER_SECRET, warnings: string[] = []) {
  return sealedRegistrationStore({
    serverSecret,
    read: () => settings.get(db, 'vipps.webhook'),
    write: (v) => settings.set(db, 'vipps.webhook', v),
    logger: { warn: (_obj, msg) => void warnings.push(msg) }
  });
}

/** The settings row exactly as a copy of the database would show it. */
async function rawRow(): Promise<string> {
  const { rows } = await db.query<{ value: unknown }>(`select value from settings where key = 'vipps.webhook'`);
  return JSON.stringify(rows[0]?.value);
}

function vipps(script: Parameters<typeof fakeFetch>[0]) {
  const f = fakeFetch([json(200, TOKEN_BODY), ...script]);
  const client = new VippsClient({
    baseUrl: 'https://apitest.vipps.no',
    clientId: 'cid',
    clientSecret: 'secret',
    subscriptionKey: 'sub',
    merchantSerialNumber: '123456',
    systemName: 'plugpay',
    systemVersion: '0.1.0',
    fetch: f.fetch,
    sleep: async () => {}
  });
  return { payments: new VippsPayments(client), webhooks: client.webhooks, calls: f.calls };
}

describe('the stored webhook registration', () => {
  it('keeps the secret Vipps showed once out of the database in readable form', async () => {
    const v = vipps([json(200, { webhooks: [] }), json(201, { id: 'w-1', secret: SECRET })]);
    const reg = await ensureWebhookRegistration({ ...v, url: URL_, ...store() });
    expect(reg).toEqual({ id: 'w-1', url: URL_, secret: SECRET });

    const row = await rawRow();
    expect(row).toContain('w-1');
    expect(row).not.toContain(SECRET);
    expect(row).not.toContain(Buffer.from(SECRET).toString('base64'));
    // This plugpay reads it back and keeps the registration, without asking Vipps for a new one.
    const again = vipps([json(200, { webhooks: [{ id: 'w-1', url: URL_, events: EPAYMENT_EVENTS }] })]);
    await expect(ensureWebhookRegistration({ ...again, url: URL_, ...store() })).resolves.toEqual({ id: 'w-1', url: URL_, secret: SECRET });
    expect(again.calls).toHaveLength(2); // token, list
  });

  it('reads a plaintext secret an earlier version stored, once, and stores it sealed', async () => {
    await settings.set(db, 'vipps.webhook', { id: 'w-1', url: URL_, secret: SECRET });
    await expect(store().load()).resolves.toEqual({ id: 'w-1', url: URL_, secret: SECRET });
    expect(await rawRow()).not.toContain(SECRET);
    await expect(store().load()).resolves.toEqual({ id: 'w-1', url: URL_, secret: SECRET });
  });

  it('cannot be opened without the server secret: a database copy gives no secret', async () => {
    await store().save({ id: 'w-1', url: URL_, secret: SECRET });
    const warnings: string[] = [];
    await expect(store('another-server-secret-of-32-characters-or-more', warnings).load()).resolves.toBeUndefined();
    expect(warnings.join('\n')).toMatch(/PLUGPAY_SECRET/);
  });

  it('replaces the registration when the stored secret cannot be opened (the server secret changed)', async () => {
    await store().save({ id: 'w-1', url: URL_, secret: SECRET });
    const v = vipps([
      json(200, { webhooks: [{ id: 'w-1', url: URL_, events: EPAYMENT_EVENTS }] }),
      new Response(null, { status: 204 }),
      json(200, { webhooks: [] }),
      json(201, { id: 'w-2', secret: 'the-new-secret' })
    ]);
    const rotated = 'a-rotated-server-secret-of-32-characters-or-more';
    const reg = await ensureWebhookRegistration({ ...v, url: URL_, ...store(rotated, []) });
    expect(reg).toEqual({ id: 'w-2', url: URL_, secret: 'the-new-secret' });
    expect(v.calls[2]).toMatchObject({ method: 'DELETE', url: 'https://apitest.vipps.no/webhooks/v1/webhooks/w-1' });
    await expect(store(rotated).load()).resolves.toEqual(reg);
  });

  it('refuses a sealed secret moved to another registration', async () => {
    await store().save({ id: 'w-1', url: URL_, secret: SECRET });
    const row = JSON.parse(await rawRow());
    await settings.set(db, 'vipps.webhook', { ...row, id: 'w-forged' });
    await expect(store().load()).resolves.toBeUndefined();
  });
});
