import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../src/retention.ts';
import { createTestUser } from './support.ts';

const NOW = new Date('2026-12-01T00:00:00Z');

describe.each(BACKENDS)('retention of notification events on %s', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(() => database?.dispose());

  it('deletes old events whose messages are settled, keeps pending and recent ones', async () => {
    const user = await createTestUser(database, 'retention');
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO notification_settings (user_id, email) VALUES (${user.id}, 'r@example.test')`),
    );
    const record = (service: string, at: string) =>
      withService(database.db, (tx) =>
        queryRows<{ id: string }>(
          tx,
          sql`SELECT kpi_record_notification(${user.id}, ${service}, 'run.failed', '{"message":"x"}'::jsonb, ${at}::timestamptz) AS id`,
        ),
      );
    const [old] = await record('meta', '2026-06-01T00:00:00Z');
    await record('ga4', '2026-06-01T00:00:00Z');
    await record('shopify', '2026-11-30T00:00:00Z');
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE notification_deliveries SET status = 'delivered' WHERE event_id = ${old?.id}`),
    );
    const counts = await purgeExpired(database.db, { now: NOW, retentionDays: 90 });
    expect(counts.notifications).toBe(1);
    const left = await withService(database.db, (tx) =>
      queryRows<{ service: string; deliveries: number }>(
        tx,
        sql`SELECT e.service, (SELECT count(*)::int FROM notification_deliveries d WHERE d.event_id = e.id) AS deliveries
            FROM notification_events e WHERE e.user_id = ${user.id} ORDER BY e.service`,
      ),
    );
    expect(left).toEqual([
      { service: 'ga4', deliveries: 1 },
      { service: 'shopify', deliveries: 1 },
    ]);
  });
});
