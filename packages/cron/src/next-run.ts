import { cronFor } from './cron-cache.ts';

/**
 * The first fire strictly after `after`, as a UTC instant, or null when the expression never fires again.
 * croner works in the schedule's zone, so DST is resolved the way its README describes (fixed-time jobs
 * run once in a repeated hour and right after a skipped one; interval jobs follow wall-clock time).
 */
export function computeNextRun(expression: string, timeZone: string, after: Date): Date | null {
  return cronFor(expression, timeZone).nextRun(after);
}

/** The next `count` fires strictly after `after`. */
export function computeNextRuns(expression: string, timeZone: string, after: Date, count: number): Date[] {
  return cronFor(expression, timeZone).nextRuns(count, after);
}
