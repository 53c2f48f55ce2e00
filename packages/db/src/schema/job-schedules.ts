import { bigserial, boolean, integer, pgTable, timestamp, unique, varchar } from 'drizzle-orm/pg-core';
import type { Service } from './tenant.ts';
import { users } from './users.ts';

export const jobSchedules = pgTable(
  'job_schedules',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    service: varchar('service', { length: 50 }).$type<Service>().notNull(),
    cronExpression: varchar('cron_expression', { length: 100 }).notNull(),
    enabled: boolean('enabled').notNull().default(false),
    timezone: varchar('timezone', { length: 50 }).notNull().default('Asia/Kolkata'),
    /** Complete days each run fetches again; null means the source's default. */
    lookbackDays: integer('lookback_days'),
    lastRunAt: timestamp('last_run_at', { withTimezone: true }),
    nextRunAt: timestamp('next_run_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('job_schedules_user_service_key').on(t.userId, t.service)],
).enableRLS();

export type JobSchedule = typeof jobSchedules.$inferSelect;
