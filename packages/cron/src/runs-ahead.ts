import { cronWithinYears } from './cron-cache.ts';

/**
 * How far ahead validation and previews look for fires: every fire before the end of the fifth calendar
 * year after `from` (so at least five years ahead). Long enough for any monthly or yearly pattern and for
 * Friday the 13th (at least one a year) or 29 February (every fourth year); a day pattern rarer than that
 * ("29 February on a Monday", every 28 years) is refused as too irregular rather than searched for.
 */
export const LOOKAHEAD_YEARS = 5;

/** The local years the look-ahead covers; a year early, since a zone behind UTC may still be in it. */
export function lookaheadYears(from: Date): { first: number; last: number } {
  const utcYear = from.getUTCFullYear();
  return { first: utcYear - 1, last: utcYear + LOOKAHEAD_YEARS };
}

/**
 * Up to `count` fires strictly after `from`, only those within LOOKAHEAD_YEARS. The work is bounded by the
 * look-ahead whatever the expression: croner walks at most six years of days, where an unbounded search
 * of an impossible day pattern walks to the year 3000. Throws croner's error for an invalid expression.
 */
export function runsAhead(expression: string, timeZone: string, from: Date, count: number): Date[] {
  const { first, last } = lookaheadYears(from);
  return cronWithinYears(expression, timeZone, first, last).nextRuns(count, from);
}
