/** Payment provider notifications already acted on, so a replayed webhook is recognised. */
import type { Queryable } from './db.js';

type Notification = { reference: string; name: string; pspReference: string };

export class NotificationRepository {
  /** Whether the same (reference, name, pspReference) was already acted on. */
  async seen(db: Queryable, n: Notification): Promise<boolean> {
    const { rows } = await db.query(
      `select 1 from payment_notifications where reference = $1 and name = $2 and psp_reference = $3`,
      [n.reference, n.name, n.pspReference]
    );
    return rows.length > 0;
  }

  /** Records a notification as acted on; false when it already was. `at` is plugpay's clock. */
  async recordOnce(db: Queryable, n: Notification, at: Date): Promise<boolean> {
    const { rows } = await db.query(
      `insert into payment_notifications (reference, name, psp_reference, received_at) values ($1, $2, $3, $4)
       on conflict do nothing returning reference`,
      [n.reference, n.name, n.pspReference, at]
    );
    return rows.length > 0;
  }
}
