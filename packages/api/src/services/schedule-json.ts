import type { JobSchedule } from '@kpi/db';
import { SOURCES } from '@kpi/sources';
import type { ApiSettings } from '../deps.ts';
import type { ScheduleJson } from '../validators/answers/schedules.ts';
import { DEFAULT_PAUSE_AFTER_FAILURES } from '../validators/schedule.ts';

export type { ScheduleJson };

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** A schedule without its own `pause_after_failures` shows the server's (PAUSE_AFTER_FAILURES). */
export function toScheduleJson(row: JobSchedule, settings: Pick<ApiSettings, 'pauseAfterFailures'>): ScheduleJson {
  return {
    id: row.id,
    service: row.service,
    cron: row.cronExpression,
    enabled: row.enabled,
    timezone: row.timezone,
    lookback_days: row.lookbackDays ?? SOURCES[row.service].lookbackDays,
    last_run_at: iso(row.lastRunAt),
    next_run_at: iso(row.nextRunAt),
    pause_after_failures: row.pauseAfterFailures ?? settings.pauseAfterFailures ?? DEFAULT_PAUSE_AFTER_FAILURES,
    paused_reason: row.pausedReason,
    paused_at: iso(row.pausedAt),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
