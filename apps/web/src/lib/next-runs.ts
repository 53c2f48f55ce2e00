import { computeNextRuns, validateCron } from '@kpi/cron';
import { utcOffsetLabel } from './time.ts';

export type DstChange = { timeZone: string; afterRun: number; from: string; to: string };

/**
 * Checks an expression and lists its next fires exactly as the server will (same croner options, same
 * zone handling, via @kpi/cron). `minIntervalSeconds` is the server's (schedules.limits); 0 until known,
 * when only the syntax is checked and the server still has the last word on Save.
 */
export function previewRuns(
  cron: string,
  timeZone: string,
  now: Date,
  count = 5,
  minIntervalSeconds = 0,
): { runs: Date[]; problem: string | null } {
  const problem = validateCron(cron, { minIntervalSeconds, timeZone, from: now });
  if (problem) return { runs: [], problem: problem.message };
  try {
    return { runs: computeNextRuns(cron, timeZone, now, count), problem: null };
  } catch (error) {
    return { runs: [], problem: error instanceof Error ? error.message : 'Invalid cron expression' };
  }
}

/**
 * Where a zone's UTC offset changes between now and the listed fires. `afterRun` 0 means before the first
 * run; n means between run n and run n + 1 (1-based), which is where wall-clock times shift.
 */
export function findDstChanges(runs: Date[], timeZones: string[], now: Date): DstChange[] {
  const changes: DstChange[] = [];
  for (const timeZone of new Set(timeZones)) {
    const points = [now, ...runs];
    for (let i = 1; i < points.length; i++) {
      const from = utcOffsetLabel(timeZone, points[i - 1] as Date);
      const to = utcOffsetLabel(timeZone, points[i] as Date);
      if (from !== to) changes.push({ timeZone, afterRun: i - 1, from, to });
    }
  }
  return changes;
}
