import type { Run } from './api-types.ts';
import { runRange } from './run-facts.ts';

const DAY_MS = 86_400_000;

/**
 * The days failed runs tried to fetch, each with the newest such run's id (runs come newest first), for
 * the coverage strip's "failed" cells. A run without a `range` names no day.
 */
export function failedRunDays(runs: readonly Run[]): Map<string, number> {
  const days = new Map<string, number>();
  for (const run of runs) {
    const range = run.status === 'failed' ? runRange(run) : null;
    if (!range) continue;
    const end = Date.parse(`${range.to}T00:00:00Z`);
    for (let at = Date.parse(`${range.from}T00:00:00Z`); at <= end; at += DAY_MS) {
      const date = new Date(at).toISOString().slice(0, 10);
      if (!days.has(date)) days.set(date, run.id);
    }
  }
  return days;
}
