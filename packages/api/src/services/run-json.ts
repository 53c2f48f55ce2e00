import type { JobRun, RunStatus, RunTrigger, Service } from '@kpi/db';
import { jobIdOf } from './run-schedule.ts';

export type RunJson = {
  id: number;
  jobId: string;
  service: Service;
  trigger: RunTrigger;
  scheduled_for: string;
  status: RunStatus;
  attempt: number;
  max_attempts: number;
  run_after: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  error: string | null;
  error_class: string | null;
  result: unknown;
  created_at: string;
};

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

export function toRunJson(row: JobRun): RunJson {
  return {
    id: row.id,
    jobId: jobIdOf(row.id),
    service: row.service,
    trigger: row.trigger,
    scheduled_for: row.scheduledFor.toISOString(),
    status: row.status,
    attempt: row.attempt,
    max_attempts: row.maxAttempts,
    run_after: row.runAfter.toISOString(),
    started_at: iso(row.startedAt),
    finished_at: iso(row.finishedAt),
    duration_ms: row.durationMs,
    error: row.error,
    error_class: row.errorClass,
    result: row.result ?? null,
    created_at: row.createdAt.toISOString(),
  };
}
