import { queryRows, type Service, sql, withService } from '@kpi/db';
import type { SyncHandler } from '@kpi/scheduler';
import type { FakeClock } from '@kpi/scheduler/testing';
import type { TestDatabase } from '@kpi/testing';
import { NotificationDispatcher } from '../src/dispatcher.ts';
import { createMailer } from '../src/mail.ts';

export const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export function handlersOf(run: SyncHandler['run']): Map<Service, SyncHandler> {
  const handler: SyncHandler = { source: 'test', sample: true, run };
  return new Map((['meta', 'ga4', 'shopify'] as const).map((service) => [service, handler]));
}

/** A user's channels, stored as the API would (the secret kept as given: these tests open it as is). */
export async function saveChannels(
  database: TestDatabase,
  userId: number,
  channels: { email?: string; webhookUrl?: string; secret?: string; slack?: boolean },
): Promise<void> {
  await withService(database.db, (tx) =>
    tx.execute(sql`INSERT INTO notification_settings (user_id, email, webhook_url, webhook_secret, slack)
      VALUES (${userId}, ${channels.email ?? null}, ${channels.webhookUrl ?? null}, ${channels.secret ?? null}, ${channels.slack ?? false})
      ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, webhook_url = EXCLUDED.webhook_url,
        webhook_secret = EXCLUDED.webhook_secret, slack = EXCLUDED.slack`),
  );
}

export function testDispatcher(
  database: TestDatabase,
  clock: FakeClock | { now: () => Date },
  options: { smtpUrl?: string; workerId?: string; allowPrivate?: boolean; timeoutMs?: number } = {},
): NotificationDispatcher {
  return new NotificationDispatcher({
    db: database.db,
    log: quietLog,
    workerId: options.workerId ?? 'dispatcher-1',
    channels: {
      ...(options.smtpUrl ? { mailer: createMailer({ smtpUrl: options.smtpUrl, from: 'KPI Sync <kpi@example.test>' }) } : {}),
      publicUrl: 'https://kpi.example.test',
      webhook: { allowPrivate: options.allowPrivate ?? true, timeoutMs: options.timeoutMs ?? 2_000 },
      now: () => clock.now(),
    },
    openWebhookSecret: (_userId, sealed) => sealed,
  });
}

export type EventRow = { id: string; type: string; service: Service; payload: Record<string, unknown> };

export async function eventsOf(database: TestDatabase, userId: number): Promise<EventRow[]> {
  return withService(database.db, (tx) =>
    queryRows<EventRow>(
      tx,
      sql`SELECT id, type, service, payload FROM notification_events WHERE user_id = ${userId} ORDER BY created_at, type`,
    ),
  );
}

export type DeliveryRow = {
  event_id: string;
  type: string;
  channel: string;
  status: string;
  attempts: number;
  folded: number;
  last_error: string | null;
};

export async function deliveriesOf(database: TestDatabase, userId: number): Promise<DeliveryRow[]> {
  return withService(database.db, (tx) =>
    queryRows<DeliveryRow>(
      tx,
      sql`SELECT event_id, type, channel, status, attempts, folded, last_error FROM notification_deliveries
          WHERE user_id = ${userId} ORDER BY id`,
    ),
  );
}

export async function scheduleOf(database: TestDatabase, id: number) {
  const [row] = await withService(database.db, (tx) =>
    queryRows<{
      enabled: boolean;
      paused_reason: string | null;
      paused_at: Date | null;
      paused_for: string | null;
      failure_streak: number;
    }>(tx, sql`SELECT enabled, paused_reason, paused_at, paused_for, failure_streak FROM job_schedules WHERE id = ${id}`),
  );
  return row;
}
