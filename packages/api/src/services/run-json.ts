import type { JobRun } from '@kpi/db';
import type { RunJson } from '../validators/answers/runs.ts';
import { jobIdOf } from './run-schedule.ts';

export type { RunJson };

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
    progress: row.trigger === 'backfill' ? { done: row.progressDone ?? 0, total: row.progressTotal ?? 0 } : null,
    range: row.rangeFrom && row.rangeTo ? { from: row.rangeFrom, to: row.rangeTo } : null,
  };
}
