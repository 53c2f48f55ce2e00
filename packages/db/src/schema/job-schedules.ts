import { bigserial, boolean, integer, pgTable, text, timestamp, unique, varchar } from 'drizzle-orm/pg-core';
import type { Service } from './tenant.ts';
import { users } from './users.ts';

/** Why the engine disabled a schedule: a streak of failed runs, or a credential the source or the destination refused. */
export const PAUSE_CAUSES = ['failures', 'needs_reauth', 'destination_reauth'] as const;
export type PauseCause = (typeof PAUSE_CAUSES)[number];

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
    /** Failed runs in a row that disable the schedule; null means the server's PAUSE_AFTER_FAILURES, 0 never. */
    pauseAfterFailures: integer('pause_after_failures'),
    pausedReason: text('paused_reason'),
    pausedAt: timestamp('paused_at', { withTimezone: true }),
    pausedFor: varchar('paused_for', { length: 32 }).$type<PauseCause>(),
    failureStreak: integer('failure_streak').notNull().default(0),
    failingSince: timestamp('failing_since', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    // Set when disabling the user switched this schedule off; enabling the user switches it back on.
    parkedAt: timestamp('parked_at', { withTimezone: true }),
  },
  (t) => [unique('job_schedules_user_service_key').on(t.userId, t.service)],
).enableRLS();

export type JobSchedule = typeof jobSchedules.$inferSelect;
