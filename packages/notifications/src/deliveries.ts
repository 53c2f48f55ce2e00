import {
  type Db,
  type NotificationChannel,
  type NotificationEventType,
  queryRows,
  type Service,
  sql,
  withService,
} from '@kpi/db';
import type { StoredEvent } from './messages.ts';

/** A message leased to this instance, with its event and the user's channels as they are now. */
export type ClaimedDelivery = {
  id: number;
  channel: NotificationChannel;
  attempts: number;
  folded: number;
  dueAt: Date;
  event: StoredEvent;
  email: string | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
  slack: boolean;
};

type ClaimedRow = {
  id: string;
  channel: NotificationChannel;
  attempts: number;
  folded: number;
  due_at: Date;
  event_id: string;
  type: NotificationEventType;
  user_id: number;
  service: Service;
  payload: StoredEvent['payload'];
  event_created_at: Date;
  email: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
  slack: boolean | null;
};

/**
 * Leases up to `limit` due messages to this instance (SKIP LOCKED: two instances never take the same
 * one). A lease that ran out (its instance died mid-send) makes the message due again.
 */
export async function claimDeliveries(
  db: Db,
  options: { now: Date; limit: number; workerId: string; leaseMs: number },
): Promise<ClaimedDelivery[]> {
  const lockedUntil = new Date(options.now.getTime() + options.leaseMs);
  const rows = await withService(db, (tx) =>
    queryRows<ClaimedRow>(
      tx,
      sql`WITH picked AS (
            SELECT id FROM notification_deliveries
            WHERE status = 'pending' AND next_attempt_at <= ${options.now}
              AND (locked_until IS NULL OR locked_until < ${options.now})
            ORDER BY next_attempt_at, id
            LIMIT ${options.limit}
            FOR UPDATE SKIP LOCKED
          ), leased AS (
            UPDATE notification_deliveries d
            SET locked_by = ${options.workerId}, locked_until = ${lockedUntil}, attempts = d.attempts + 1, updated_at = ${options.now}
            FROM picked WHERE d.id = picked.id
            RETURNING d.id, d.channel, d.attempts, d.folded, d.due_at, d.event_id
          )
          SELECT leased.*, e.type, e.user_id, e.service, e.payload, e.created_at AS event_created_at,
            s.email, s.webhook_url, s.webhook_secret, s.slack
          FROM leased JOIN notification_events e ON e.id = leased.event_id
          LEFT JOIN notification_settings s ON s.user_id = e.user_id
          ORDER BY leased.id`,
    ),
  );
  return rows.map((row) => ({
    id: Number(row.id),
    channel: row.channel,
    attempts: row.attempts,
    folded: row.folded,
    dueAt: new Date(row.due_at),
    event: {
      id: row.event_id,
      type: row.type,
      userId: row.user_id,
      service: row.service,
      createdAt: new Date(row.event_created_at),
      payload: row.payload,
    },
    email: row.email,
    webhookUrl: row.webhook_url,
    webhookSecret: row.webhook_secret,
    slack: row.slack ?? false,
  }));
}

/**
 * Writes an attempt's outcome if this instance still holds the lease: delivered; due again at
 * `retryAt`; or failed for good (given up). Answers false when the lease was lost meanwhile.
 */
export async function recordAttempt(
  db: Db,
  options: { id: number; workerId: string; now: Date; outcome: 'delivered' | 'retry' | 'failed'; error?: string; retryAt?: Date },
): Promise<boolean> {
  const status = options.outcome === 'retry' ? 'pending' : options.outcome;
  const rows = await withService(db, (tx) =>
    queryRows(
      tx,
      sql`UPDATE notification_deliveries
          SET status = ${status}, locked_by = NULL, locked_until = NULL, updated_at = ${options.now},
              last_error = ${options.error?.slice(0, 1000) ?? null},
              delivered_at = CASE WHEN ${status} = 'delivered' THEN ${options.now}::timestamptz END,
              next_attempt_at = COALESCE(${options.retryAt ?? null}::timestamptz, next_attempt_at)
          WHERE id = ${options.id} AND locked_by = ${options.workerId} AND status = 'pending'
          RETURNING id`,
    ),
  );
  return rows.length === 1;
}
