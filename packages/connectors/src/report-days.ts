/**
 * Report days: calendar dates (YYYY-MM-DD) in the zone a source reports in. A day is final only once
 * it has ended there, so the newest day a run may store is the day before the instant's date in that zone.
 */

import { addDays, dateInZone } from '@kpi/cron';

export { addDays, dateInZone };

/** Days from `from` to `to`, both included (0 when `to` is before `from`). */
export function daysBetween(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1);
}

/** Every date from `from` to `to`, both included. */
export function eachDay(from: string, to: string): string[] {
  return Array.from({ length: daysBetween(from, to) }, (_, i) => addDays(from, i));
}

/**
 * The last day that has ended at `instant` in `timeZone`. A sync at 02:00 in Kolkata on 12 August
 * reports 11 August for a Kolkata account; for an account in Honolulu (still 10 August, 10:30) it is
 * 9 August, because 10 August has not ended there.
 */
export function reportDateFor(instant: Date, timeZone: string): string {
  return addDays(dateInZone(instant, timeZone), -1);
}
