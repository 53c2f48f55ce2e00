import { addDays, eachDay } from './report-days.ts';
import type { DayRange } from './sources.ts';

/** At most this many days per run: the oldest gaps beyond it are left for a backfill run. */
export const MAX_DAYS_PER_RUN = 31;

/**
 * Where a run may look for missing days: from the connection's horizon (its start minus the backfill
 * days) but no further back than MAX_DAYS_PER_RUN days before `yesterday`, up to the day before the
 * lookback window. Undefined when that is empty.
 */
export function gapSearchRange(yesterday: string, lookbackDays: number, horizon: string): DayRange | undefined {
  const floor = addDays(yesterday, -(MAX_DAYS_PER_RUN - 1));
  const from = horizon > floor ? horizon : floor;
  const to = addDays(yesterday, -lookbackDays);
  return from <= to ? { from, to } : undefined;
}

/**
 * The days a scheduled or manual run fetches, in one range: the last `lookbackDays` complete days,
 * widened back to the oldest missing day of the gap search range (so gaps and lookback share one call).
 */
export function runRange(
  yesterday: string,
  lookbackDays: number,
  gaps: DayRange | undefined,
  stored: ReadonlySet<string>,
): DayRange {
  const lookbackFrom = addDays(yesterday, -(lookbackDays - 1));
  const oldestMissing = gaps ? eachDay(gaps.from, gaps.to).find((date) => !stored.has(date)) : undefined;
  return { from: oldestMissing ?? lookbackFrom, to: yesterday };
}
