import type { JobSchedule, Service } from '@kpi/db';

/** The seed's schedule shape; timestamps are ISO-8601 UTC strings or null. */
export type ScheduleJson = {
  id: number;
  service: Service;
  cron: string;
  enabled: boolean;
  timezone: string;
  last_run_at: string | null;
  next_run_at: string | null;
  created_at: string;
  updated_at: string;
};

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

export function toScheduleJson(row: JobSchedule): ScheduleJson {
  return {
    id: row.id,
    service: row.service,
    cron: row.cronExpression,
    enabled: row.enabled,
    timezone: row.timezone,
    last_run_at: iso(row.lastRunAt),
    next_run_at: iso(row.nextRunAt),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
