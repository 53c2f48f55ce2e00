import { computeNextRun } from '@kpi/cron';
import { isMissingTable, jobSchedules, type Service, sql, withTenant } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { DEFAULT_SCHEDULE, type ScheduleUpdateInput } from '../validators/schedule.ts';
import { type ScheduleJson, toScheduleJson } from './schedule-json.ts';
import { assertUsableCron } from './validate-schedule.ts';

/**
 * Creates or changes the user's schedule for one service. Fields left out keep their value. The next
 * fire is computed here, in the schedule's zone, and stored as a UTC instant; a disabled schedule has none.
 * Enabling a paused schedule clears its pause (reason, time, failure streak).
 */
export async function updateSchedule(
  deps: ApiDeps,
  userId: number,
  service: Service,
  input: ScheduleUpdateInput,
): Promise<ScheduleJson> {
  const now = deps.clock();
  const row = await saveSchedule(deps, userId, service, input, now).catch((error: unknown) => {
    if (!isMissingTable(error)) throw error;
    deps.log.warn({ event: 'schema-missing', userId, table: 'job_schedules' }, 'job_schedules is missing: cannot save');
    throw new AppError('SERVICE_UNAVAILABLE', 'Schedules cannot be saved yet: the database schema is not installed');
  });
  deps.events?.scheduleChanged?.(row.id);
  return toScheduleJson(row, deps.settings);
}

function saveSchedule(deps: ApiDeps, userId: number, service: Service, input: ScheduleUpdateInput, now: Date) {
  return withTenant(deps.db, userId, async (tx) => {
    const [current] = await tx.select().from(jobSchedules).where(sql`${jobSchedules.service} = ${service}`).for('update');
    const cron = input.cron ?? current?.cronExpression ?? DEFAULT_SCHEDULE.cron;
    const timezone = input.timezone ?? current?.timezone ?? DEFAULT_SCHEDULE.timezone;
    const enabled = input.enabled ?? current?.enabled ?? DEFAULT_SCHEDULE.enabled;
    assertUsableCron(cron, timezone, deps.settings.minIntervalSeconds, now);
    const nextRunAt = enabled ? computeNextRun(cron, timezone, now) : null;
    const lookbackDays = input.lookback_days ?? current?.lookbackDays ?? null;
    // Enabling a schedule the engine paused resumes it: the reason no longer holds and the pause count
    // starts again (failing_since stays, so the next success reports run.recovered).
    const resumed = enabled && current?.pausedAt ? { pausedReason: null, pausedAt: null, pausedFor: null, failureStreak: 0 } : {};
    const values = {
      cronExpression: cron,
      timezone,
      enabled,
      lookbackDays,
      nextRunAt,
      updatedAt: now,
      ...(input.pause_after_failures !== undefined ? { pauseAfterFailures: input.pause_after_failures } : {}),
      ...resumed,
    };
    const [saved] = await tx
      .insert(jobSchedules)
      .values({ userId, service, ...values })
      .onConflictDoUpdate({ target: [jobSchedules.userId, jobSchedules.service], set: values })
      .returning();
    if (!saved) throw new Error('upsert returned no row');
    return saved;
  });
}
