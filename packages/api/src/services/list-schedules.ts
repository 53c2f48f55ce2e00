import { computeNextRun } from '@kpi/cron';
import { isMissingTable, type JobSchedule, jobSchedules, queryRows, sql, withTenant } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import { DEFAULT_SCHEDULE, SERVICES } from '../validators/schedule.ts';
import { type ScheduleJson, toScheduleJson } from './schedule-json.ts';

const SELECT_SCHEDULES = sql`SELECT id, user_id, service, cron_expression, enabled, timezone, lookback_days, last_run_at,
  next_run_at, pause_after_failures, paused_reason, paused_at, paused_for, failure_streak, failing_since,
  created_at, updated_at, parked_at FROM job_schedules ORDER BY id`;

type ScheduleRow = {
  id: string;
  user_id: number;
  service: JobSchedule['service'];
  cron_expression: string;
  enabled: boolean;
  timezone: string;
  lookback_days: number | null;
  last_run_at: Date | null;
  next_run_at: Date | null;
  pause_after_failures: number | null;
  paused_reason: string | null;
  paused_at: Date | null;
  paused_for: JobSchedule['pausedFor'];
  failure_streak: number;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
  parked_at: Date | null;
};

const fromRow = (row: ScheduleRow): JobSchedule => ({
  id: Number(row.id),
  userId: row.user_id,
  service: row.service,
  cronExpression: row.cron_expression,
  enabled: row.enabled,
  timezone: row.timezone,
  lookbackDays: row.lookback_days,
  lastRunAt: row.last_run_at && new Date(row.last_run_at),
  nextRunAt: row.next_run_at && new Date(row.next_run_at),
  pauseAfterFailures: row.pause_after_failures,
  pausedReason: row.paused_reason,
  pausedAt: row.paused_at && new Date(row.paused_at),
  pausedFor: row.paused_for,
  failureStreak: row.failure_streak,
  failingSince: row.failing_since && new Date(row.failing_since),
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
  parkedAt: row.parked_at && new Date(row.parked_at),
});

/**
 * The user's three schedules, creating the missing ones with the defaults (disabled, so they have no
 * next run). If the schedule table does not exist (a database the application may not alter), the
 * answer is an empty list rather than an error (the page still loads); it works again once the table exists.
 */
export async function listSchedules(deps: ApiDeps, userId: number): Promise<ScheduleJson[]> {
  try {
    const rows = await withTenant(deps.db, userId, async (tx) => {
      // The hot path of every dashboard load and API poll: a plain statement, no query building.
      const existing = (await queryRows<ScheduleRow>(tx, SELECT_SCHEDULES)).map(fromRow);
      if (existing.length >= SERVICES.length) return existing;
      const have = new Set(existing.map((row) => row.service));
      const missing = SERVICES.filter((service) => !have.has(service));
      const created = await tx
        .insert(jobSchedules)
        .values(
          missing.map((service) => ({
            userId,
            service,
            cronExpression: DEFAULT_SCHEDULE.cron,
            enabled: DEFAULT_SCHEDULE.enabled,
            timezone: DEFAULT_SCHEDULE.timezone,
            nextRunAt: DEFAULT_SCHEDULE.enabled
              ? computeNextRun(DEFAULT_SCHEDULE.cron, DEFAULT_SCHEDULE.timezone, deps.clock())
              : null,
          })),
        )
        .onConflictDoNothing()
        .returning();
      // A concurrent request may have created some of them first; read again only in that rare case.
      if (created.length === missing.length) return [...existing, ...created];
      return tx.select().from(jobSchedules).orderBy(jobSchedules.id);
    });
    return rows
      .sort((a, b) => SERVICES.indexOf(a.service) - SERVICES.indexOf(b.service))
      .map((row) => toScheduleJson(row, deps.settings));
  } catch (error) {
    if (!isMissingTable(error)) throw error;
    deps.log.warn(
      { event: 'schema-missing', userId, table: 'job_schedules' },
      'job_schedules is missing: answering no schedules',
    );
    return [];
  }
}
