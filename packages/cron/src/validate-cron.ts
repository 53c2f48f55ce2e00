import { CRON_MAX_LENGTH, cronFor } from './cron-cache.ts';
import { LOOKAHEAD_YEARS } from './runs-ahead.ts';
import { sampleGaps } from './tightest-gap.ts';

export type CronProblem = {
  code: 'INVALID_CRON' | 'CRON_NEVER_FIRES' | 'CRON_TOO_IRREGULAR' | 'CRON_TOO_FREQUENT';
  message: string;
};

const ALLOWED = /^[0-9A-Za-z*/,\-?#+ ]+$/;

/**
 * Checks an expression the way the engine will use it: it must parse with the shared croner options,
 * must fire within LOOKAHEAD_YEARS of `from`, and two consecutive fires in that span must be at least
 * `minIntervalSeconds` apart. The zone matters only for DST-sensitive gaps; UTC is used when none is given.
 * The work is bounded by the look-ahead (see runs-ahead.ts): this runs on public endpoints.
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
  let sample: ReturnType<typeof sampleGaps>;
  try {
    const timeZone = options.timeZone ?? 'UTC';
    // Parsed with the engine's own options first, so the error messages are the ones croner gives for them.
    cronFor(expression, timeZone);
    sample = sampleGaps(expression, timeZone, options.from ?? new Date(), options.minIntervalSeconds);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : 'unparseable';
    return { code: 'INVALID_CRON', message: `Invalid cron expression: ${detail}` };
  }
  if (!sample.fires) return noFireAhead(expression);
  const tightest = sample.tightestSeconds;
  if (tightest < options.minIntervalSeconds) {
    return {
      code: 'CRON_TOO_FREQUENT',
      message: `Cron expression fires every ${tightest}s; the minimum interval is ${options.minIntervalSeconds}s`,
    };
  }
  return null;
}

/**
 * With day-of-week `*` a pattern is a set of dates and months, which repeats every four years (leap
 * years), so no fire in the look-ahead means none ever. A day-of-week, an nth or last weekday, or `+`
 * (day-of-month AND day-of-week) repeat only every 28 years or more: such a pattern may still fire some
 * day, but it is too irregular to check or preview here.
 */
function noFireAhead(expression: string): CronProblem {
  const dayOfWeek = expression.split(/\s+/).at(-1);
  if (dayOfWeek === '*' || dayOfWeek === '?') {
    return { code: 'CRON_NEVER_FIRES', message: 'Cron expression never fires (no future date matches it)' };
  }
  return {
    code: 'CRON_TOO_IRREGULAR',
    message: `Cron expression does not fire in the next ${LOOKAHEAD_YEARS} years; it is too irregular to check or preview`,
  };
}
