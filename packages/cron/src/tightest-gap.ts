import { CronPattern } from 'croner';
import { CRON_OPTIONS, cronWithinYears, wallCronWithinYears } from './cron-cache.ts';
import { lookaheadYears } from './runs-ahead.ts';
import { type OffsetChange, offsetChanges, utcOffsetMs } from './utc-offsets.ts';

const DAY_SECONDS = 86_400;
const DAY_MS = DAY_SECONDS * 1000;
// Matching days looked at for two in a row, when the gap across midnight is the one that matters.
const DAY_SAMPLE = 400;

/**
 * `tightestSeconds` is exact when it is under the minimum interval asked about; otherwise it is at least
 * that minimum and at most the true tightest gap (finding, say, how many days apart a weekly pattern's
 * fires are would cost a walk that changes no verdict).
 */
export type GapSample = { fires: boolean; tightestSeconds: number };

/**
 * Whether the expression fires within the look-ahead, and the tightest gap between two consecutive fires.
 *
 * croner costs tens of microseconds per fire (several `Intl` calls each in a named zone), so listing
 * hundreds of fires of `* * * * *` took 50-100 ms. The gaps are instead computed from the fields: within
 * a day the fires are every combination of the second, minute and hour values, so the tightest gap is the
 * least of the step between two seconds, the wrap from one minute to the next, the wrap from one hour to
 * the next, and the wrap across midnight to the next day the pattern fires. The zone adds gaps only where
 * its offset changes, computed from the last fire before and the first after each change:
 * - spring forward: local times in the skipped hour do not exist, the fires either side close up;
 * - fall back: an interval job runs in both passes of the repeated hour, so the last fire of the first
 *   pass and the first of the second can be close.
 * A fixed-time job (one value in each of second, minute and hour) runs once in a repeated hour and right
 * after a skipped one, so a change moves each of its fires by the shift at most (an hour, or 30 minutes
 * on Lord Howe): its gap next to a change is taken as its wall-clock gap less the shift.
 * croner itself computes only the first fire (is there one) and the fires next to each offset change.
 */
export function sampleGaps(expression: string, timeZone: string, from: Date, minIntervalSeconds: number): GapSample {
  const { first, last } = lookaheadYears(from);
  if (!cronWithinYears(expression, timeZone, first, last).nextRun(from)) {
    return { fires: false, tightestSeconds: Number.POSITIVE_INFINITY };
  }
  const pattern = new CronPattern(expression, undefined, { mode: CRON_OPTIONS.mode });
  const seconds = valuesOf(pattern.second);
  const minutes = valuesOf(pattern.minute);
  const hours = valuesOf(pattern.hour);
  const s = { min: seconds[0] ?? 0, max: seconds.at(-1) ?? 0 };
  const firstOfHour = (minutes[0] ?? 0) * 60 + s.min;
  const lastOfHour = (minutes.at(-1) ?? 0) * 60 + s.max;
  const span = (hours.at(-1) ?? 0) * 3600 + lastOfHour - ((hours[0] ?? 0) * 3600 + firstOfHour);
  let tightest = Math.min(
    closestStep(seconds),
    closestStep(minutes) * 60 - (s.max - s.min),
    closestStep(hours) * 3600 - (lastOfHour - firstOfHour),
  );
  const wrapToNextDay = DAY_SECONDS - span;
  const wallFrom = from.getTime() + utcOffsetMs(timeZone, from.getTime());
  if (wrapToNextDay >= minIntervalSeconds) {
    // The wrap to the next day the pattern fires is at least this; no need to find that day.
    tightest = Math.min(tightest, wrapToNextDay);
  } else if (tightest >= minIntervalSeconds) {
    const days = closestDays(expression, wallFrom, first, last);
    if (days !== null) tightest = Math.min(tightest, days * DAY_SECONDS - span);
  }
  if (tightest >= minIntervalSeconds) {
    const wallTightest = tightest;
    for (const change of offsetChanges(timeZone, from.getTime(), yearStartMs(last + 1))) {
      const gap = pattern.isFixedTime
        ? fixedTimeGapAcross(expression, timeZone, change, wallTightest, minIntervalSeconds)
        : gapAcross(expression, change, minIntervalSeconds * 1000);
      if (gap !== null) tightest = Math.min(tightest, gap);
      if (tightest < minIntervalSeconds) break;
    }
  }
  return { fires: true, tightestSeconds: tightest };
}

function valuesOf(flags: number[]): number[] {
  const values: number[] = [];
  flags.forEach((flag, value) => {
    if (flag) values.push(value);
  });
  return values;
}

/** The least difference between two consecutive values; infinite for a single value. */
function closestStep(values: number[]): number {
  let closest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < values.length; i++) closest = Math.min(closest, (values[i] as number) - (values[i - 1] as number));
  return closest;
}

/** The fewest days between two consecutive days the pattern fires on (1 for "every day"), or null. */
function closestDays(expression: string, wallFrom: number, first: number, last: number): number | null {
  const dayCron = wallCronWithinYears(dayFields(expression), first, last);
  let previous = dayCron.nextRun(new Date(wallFrom));
  let closest: number | null = null;
  for (let i = 0; previous && i < DAY_SAMPLE && closest !== 1; i++) {
    const next = dayCron.nextRun(previous);
    if (!next) break;
    const days = Math.round((next.getTime() - previous.getTime()) / DAY_MS);
    closest = closest === null ? days : Math.min(closest, days);
    previous = next;
  }
  return closest;
}

/**
 * The real gap between the last fire before an offset change and the first after it, or null when no
 * fire is within `minMs` of the change. Such fires fall on a handful of local days, so those days are
 * checked against the pattern first, and croner walks (bounded to those days' years) only next to one.
 */
function gapAcross(expression: string, change: OffsetChange, minMs: number): number | null {
  const endOfOld = change.atMs + change.beforeMs;
  const startOfNew = change.atMs + change.afterMs;
  const lowest = Math.min(endOfOld, startOfNew) - minMs;
  const highest = Math.max(endOfOld, startOfNew) + minMs;
  if (!firesOnAnyDay(expression, lowest, highest)) return null;
  const yearOf = (ms: number) => new Date(ms).getUTCFullYear();
  const before = wallCronWithinYears(expression, yearOf(lowest), yearOf(endOfOld)).previousRuns(1, new Date(endOfOld))[0];
  const after = wallCronWithinYears(expression, yearOf(startOfNew), yearOf(highest)).nextRun(new Date(startOfNew - 1000));
  if (!before || !after) return null;
  return (after.getTime() - change.afterMs - (before.getTime() - change.beforeMs)) / 1000;
}

/**
 * A fixed-time job's tightest gap next to an offset change, or null when it fires on no day near it: its
 * wall-clock gap less the shift when that is enough for the verdict, else from croner's fires either side.
 */
function fixedTimeGapAcross(
  expression: string,
  timeZone: string,
  change: OffsetChange,
  wallTightestSeconds: number,
  minIntervalSeconds: number,
): number | null {
  const shiftMs = Math.abs(change.afterMs - change.beforeMs);
  const around = wallTightestSeconds * 1000 + shiftMs;
  if (!firesOnAnyDay(expression, change.atMs + change.beforeMs - around, change.atMs + change.afterMs + around)) return null;
  const bound = wallTightestSeconds - shiftMs / 1000;
  if (bound >= minIntervalSeconds) return bound;
  const year = new Date(change.atMs).getUTCFullYear();
  const real = cronWithinYears(expression, timeZone, year - 1, year + 1);
  const times = new Set(
    [...real.previousRuns(1, new Date(change.atMs)), ...real.nextRuns(2, new Date(change.atMs - 1000))].map((d) => d.getTime()),
  );
  const sorted = [...times].sort((a, b) => a - b);
  let tightest: number | null = null;
  for (let i = 1; i < sorted.length; i++) {
    const gap = ((sorted[i] as number) - (sorted[i - 1] as number)) / 1000;
    tightest = tightest === null ? gap : Math.min(tightest, gap);
  }
  return tightest;
}

/** Whether the expression's day fields match any local day from `fromWallMs` to `toWallMs` (wall clock). */
function firesOnAnyDay(expression: string, fromWallMs: number, toWallMs: number): boolean {
  const firstDay = Math.floor(fromWallMs / DAY_MS);
  const lastDay = Math.floor(toWallMs / DAY_MS);
  const yearOf = (day: number) => new Date(day * DAY_MS).getUTCFullYear();
  const dayCron = wallCronWithinYears(dayFields(expression), yearOf(firstDay), yearOf(lastDay));
  for (let day = firstDay; day <= lastDay; day++) if (dayCron.match(new Date(day * DAY_MS))) return true;
  return false;
}

/** The expression's day-of-month, month and day-of-week at midnight: one fire per day it fires on. */
function dayFields(expression: string): string {
  return `0 0 0 ${expression.split(/\s+/).slice(-3).join(' ')}`;
}

// Date.UTC reads the years 0-99 as 1900-1999.
function yearStartMs(year: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, 0, 1);
  return date.getTime();
}
