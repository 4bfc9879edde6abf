import { afterEach, describe, expect, it } from 'vitest';
import { backends, freshDb } from '../../tests/helpers/db.js';
import type { Db } from './db.js';
import { SettingsRepository } from './settings-repository.js';

describe.each(backends())('SettingsRepository on %s', (backend) => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it.each([
    ['a plain string', '2031-04-05'],
    ['a string that looks like JSON', '{"not":"an object"}'],
    ['a number', 42],
    ['an object', { id: 'w1', sealed: 'abc', nested: { list: [1, 2] } }]
  ])('gives back %s exactly as it was set', async (_what, value) => {
    db = await freshDb(backend);
    const settings = new SettingsRepository();
    expect(await settings.get(db, 'k')).toBeUndefined();
    await settings.set(db, 'k', value);
    expect(await settings.get(db, 'k')).toEqual(value);
  });
});
