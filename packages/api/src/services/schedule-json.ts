import type { JobSchedule } from '@kpi/db';
import { SOURCES } from '@kpi/sources';
import type { ScheduleJson } from '../validators/answers/schedules.ts';

export type { ScheduleJson };

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

export function toScheduleJson(row: JobSchedule): ScheduleJson {
  return {
    id: row.id,
    service: row.service,
    cron: row.cronExpression,
    enabled: row.enabled,
    timezone: row.timezone,
    lookback_days: row.lookbackDays ?? SOURCES[row.service].lookbackDays,
    last_run_at: iso(row.lastRunAt),
    next_run_at: iso(row.nextRunAt),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
