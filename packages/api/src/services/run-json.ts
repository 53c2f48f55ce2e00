import type { JobRun } from '@kpi/db';
import type { RunJson } from '../validators/answers/runs.ts';
import { jobIdOf } from './run-schedule.ts';

export type { RunJson };

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A backfill's range (stored on the row), else the fetched range a connector recorded in its result, and the
 * changed-day count it recorded.
 */
function daysOf(row: JobRun): Pick<RunJson, 'range' | 'days_changed'> {
  const recorded = (row.result ?? {}) as { range?: { from?: unknown; to?: unknown }; days_changed?: unknown };
  const { from, to } = recorded.range ?? {};
  const fetched = typeof from === 'string' && typeof to === 'string' && DATE.test(from) && DATE.test(to) ? { from, to } : null;
  const range = row.rangeFrom && row.rangeTo ? { from: row.rangeFrom, to: row.rangeTo } : fetched;
  const changed = recorded.days_changed;
  return { range, days_changed: typeof changed === 'number' && Number.isInteger(changed) ? changed : null };
}

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
    ...daysOf(row),
    created_at: row.createdAt.toISOString(),
    progress: row.trigger === 'backfill' ? { done: row.progressDone ?? 0, total: row.progressTotal ?? 0 } : null,
  };
}
