import { pgTable, timestamp, varchar } from 'drizzle-orm/pg-core';

/** One row per running scheduler instance, kept fresh by its heartbeat (drizzle/0014_admin.sql). */
export const schedulerInstances = pgTable('scheduler_instances', {
  id: varchar('id', { length: 200 }).primaryKey(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
}).enableRLS();
