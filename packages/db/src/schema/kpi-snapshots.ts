import { bigint, date, integer, jsonb, pgTable, timestamp, unique, varchar } from 'drizzle-orm/pg-core';
import { jobRuns } from './job-runs.ts';
import type { Service } from './tenant.ts';
import { users } from './users.ts';

export const kpiSnapshots = pgTable(
  'kpi_snapshots',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    service: varchar('service', { length: 50 }).$type<Service>().notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    metrics: jsonb('metrics').$type<Record<string, number | string>>().notNull(),
    source: varchar('source', { length: 32 }).notNull(),
    runId: bigint('run_id', { mode: 'number' }).references(() => jobRuns.id, { onDelete: 'set null' }),
    /** When the day's figures last changed after they were first written (the source restated them). */
    restatedAt: timestamp('restated_at', { withTimezone: true }),
    /** When these figures reached the user's Sheet; null, or older than updatedAt, means a write is owed. */
    sheetWrittenAt: timestamp('sheet_written_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('kpi_snapshots_user_service_date_key').on(t.userId, t.service, t.date)],
).enableRLS();

export type KpiSnapshot = typeof kpiSnapshots.$inferSelect;
