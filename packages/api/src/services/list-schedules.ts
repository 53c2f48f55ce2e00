import { computeNextRun } from '@kpi/cron';
import { isMissingTable, jobSchedules, withTenant } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import { DEFAULT_SCHEDULE, SERVICES } from '../validators/schedule.ts';
import { type ScheduleJson, toScheduleJson } from './schedule-json.ts';

/**
 * The user's three schedules, creating the missing ones with the defaults (disabled, so they have no
 * next run). If the schedule table does not exist (a database the application may not alter), the
 * answer is an empty list, as the seed's "graceful degradation" asks; it works again once the table exists.
 */
export async function listSchedules(deps: ApiDeps, userId: number): Promise<ScheduleJson[]> {
  try {
    const rows = await withTenant(deps.db, userId, async (tx) => {
      const existing = await tx.select().from(jobSchedules).orderBy(jobSchedules.id);
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
    return rows.sort((a, b) => SERVICES.indexOf(a.service) - SERVICES.indexOf(b.service)).map(toScheduleJson);
  } catch (error) {
    if (!isMissingTable(error)) throw error;
    deps.log.warn(
      { event: 'schema-missing', userId, table: 'job_schedules' },
      'job_schedules is missing: answering no schedules',
    );
    return [];
  }
}
