import { bigint, date, integer, jsonb, pgTable, text, timestamp, unique, varchar } from 'drizzle-orm/pg-core';
import { jobSchedules } from './job-schedules.ts';
import type { Service } from './tenant.ts';
import { users } from './users.ts';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_TRIGGERS = ['cron', 'manual', 'recovery', 'backfill'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export const jobRuns = pgTable(
  'job_runs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    scheduleId: bigint('schedule_id', { mode: 'number' }).references(() => jobSchedules.id, { onDelete: 'set null' }),
    service: varchar('service', { length: 50 }).$type<Service>().notNull(),
    trigger: varchar('trigger', { length: 16 }).$type<RunTrigger>().notNull(),
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }).notNull(),
    status: varchar('status', { length: 16 }).$type<RunStatus>().notNull().default('queued'),
    attempt: integer('attempt').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    runAfter: timestamp('run_after', { withTimezone: true }).notNull().defaultNow(),
    lockedBy: varchar('locked_by', { length: 200 }),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    durationMs: integer('duration_ms'),
    error: text('error'),
    errorClass: varchar('error_class', { length: 100 }),
    result: jsonb('result'),
    // A backfill's inclusive range of report days, its days done of total, and the last day done.
    rangeFrom: date('range_from', { mode: 'string' }),
    rangeTo: date('range_to', { mode: 'string' }),
    progressDone: integer('progress_done'),
    progressTotal: integer('progress_total'),
    checkpoint: date('checkpoint', { mode: 'string' }),
    // Drawn from job_runs_chunk_turn_seq at each chunk claim: the round robin between users' backfills.
    chunkTurn: bigint('chunk_turn', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('job_runs_schedule_fire_key').on(t.scheduleId, t.scheduledFor)],
).enableRLS();

export type JobRun = typeof jobRuns.$inferSelect;
