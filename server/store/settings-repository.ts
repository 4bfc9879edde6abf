/**
 * Small named JSON values plugpay keeps between runs (e.g. the webhook registration). Values are
 * stored as given: a secret is sealed by its owner before it gets here (payments/secret-box.ts).
 */
import type { Queryable } from './db.js';

export class SettingsRepository {
  async get<T>(db: Queryable, key: string): Promise<T | undefined> {
    const { rows } = await db.query<{ value: unknown }>('select value from settings where key = $1', [key]);
    if (!rows[0]) return undefined;
    // jsonb comes back parsed from both drivers; a string value is the string itself (parsing it
    // again failed for every plain string, such as the daily charge's last-run date).
    return rows[0].value as T;
  }

  async set(db: Queryable, key: string, value: unknown): Promise<void> {
    await db.query(
      'insert into settings (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value',
      [key, JSON.stringify(value)]
    );
  }
}
