import type { Run } from './api-types.ts';

// `range`, `days_changed` and `progress` arrive in the run JSON with backfills and day-level syncs; a
// server without them answers runs without these fields, so each is read and checked here.

export type DayRange = { from: string; to: string };
export type Progress = { done: number; total: number };

function field(run: Run, name: string): unknown {
  return (run as Record<string, unknown>)[name];
}

const isDate = (value: unknown): value is string => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);

export function runRange(run: Run): DayRange | null {
  const range = field(run, 'range');
  if (typeof range !== 'object' || range === null) return null;
  const { from, to } = range as Record<string, unknown>;
  return isDate(from) && isDate(to) ? { from, to } : null;
}

export function runDaysChanged(run: Run): number | null {
  const value = field(run, 'days_changed');
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function runProgress(run: Run): Progress | null {
  const progress = field(run, 'progress');
  if (typeof progress !== 'object' || progress === null) return null;
  const { done, total } = progress as Record<string, unknown>;
  return typeof done === 'number' && typeof total === 'number' && total > 0 ? { done, total } : null;
}

const TRIGGER_WORDS: Record<string, string> = {
  cron: 'Scheduled: the cron fired',
  manual: 'Manual: someone pressed "Run now" or called the API',
  recovery: 'Recovery: a fire missed while the server was down, caught up',
  backfill: 'Backfill: a date range asked for by the user',
};

/** Why a run happened, in words. */
export function runReason(run: Run): string {
  const words = TRIGGER_WORDS[run.trigger] ?? run.trigger;
  const progress = runProgress(run);
  return progress ? `${words} (${progress.done} of ${progress.total} days done)` : words;
}

/** How late the run started against the time it was due, in ms; null before it starts. */
export function runLagMs(run: Run): number | null {
  if (!run.started_at) return null;
  return Math.max(0, Date.parse(run.started_at) - Date.parse(run.run_after));
}
