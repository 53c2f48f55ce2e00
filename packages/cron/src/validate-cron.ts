import { CRON_MAX_LENGTH, cronFor } from './cron-cache.ts';

export type CronProblem = { code: 'INVALID_CRON' | 'CRON_NEVER_FIRES' | 'CRON_TOO_FREQUENT'; message: string };

// How many upcoming fires are inspected for the minimum interval. Cron fields repeat within a day for
// sub-daily patterns, so a few hundred consecutive fires always include the tightest gap of such a pattern.
const INTERVAL_SAMPLE = 300;
const ALLOWED = /^[0-9A-Za-z*/,\-?#+ ]+$/;

/**
 * Checks an expression the way the engine will use it: it must parse with the shared croner options,
 * must fire at least once from `from`, and two consecutive fires must be at least `minIntervalSeconds` apart.
 * The zone matters only for DST-sensitive gaps; UTC is used when none is given.
 */
export function validateCron(
  expression: string,
  options: { minIntervalSeconds: number; timeZone?: string; from?: Date },
): CronProblem | null {
  const trimmed = expression.trim();
  if (trimmed.length === 0) return { code: 'INVALID_CRON', message: 'Cron expression is empty' };
  if (expression.length > CRON_MAX_LENGTH) {
    return { code: 'INVALID_CRON', message: `Cron expression is longer than ${CRON_MAX_LENGTH} characters` };
  }
  if (trimmed !== expression) return { code: 'INVALID_CRON', message: 'Cron expression has leading or trailing spaces' };
  if (!ALLOWED.test(expression))
    return { code: 'INVALID_CRON', message: 'Cron expression contains characters cron does not use' };
  const fields = expression.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    return { code: 'INVALID_CRON', message: `Cron expression must have 5 fields (or 6 with seconds), got ${fields}` };
  }
  let runs: Date[];
  try {
    runs = cronFor(expression, options.timeZone ?? 'UTC').nextRuns(INTERVAL_SAMPLE, options.from ?? new Date());
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : 'unparseable';
    return { code: 'INVALID_CRON', message: `Invalid cron expression: ${detail}` };
  }
  if (runs.length === 0) return { code: 'CRON_NEVER_FIRES', message: 'Cron expression never fires (no future date matches it)' };
  let tightest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) {
    const gap = ((runs[i] as Date).getTime() - (runs[i - 1] as Date).getTime()) / 1000;
    if (gap < tightest) tightest = gap;
  }
  if (tightest < options.minIntervalSeconds) {
    return {
      code: 'CRON_TOO_FREQUENT',
      message: `Cron expression fires every ${tightest}s; the minimum interval is ${options.minIntervalSeconds}s`,
    };
  }
  return null;
}
