/** Payment provider notifications already acted on, so a replayed webhook is recognised. */
import type { Queryable } from './db.js';

export class NotificationRepository {
  /** Records a notification; false when the same (reference, name, pspReference) was seen before. */
  async recordOnce(db: Queryable, n: { reference: string; name: string; pspReference: string }): Promise<boolean> {
    const { rows } = await db.query(
      `insert into payment_notifications (reference, name, psp_reference) values ($1, $2, $3)
       on conflict do nothing returning reference`,
      [n.reference, n.name, n.pspReference]
    );
    return rows.length > 0;
  }
}
