import { addDays, dateInZone } from '@kpi/cron';
import type { KpiDay } from './api-types.ts';

/**
 * One stored day of a source's KPIs, as `kpis.history` answers it (`days[]`): `missing` when nothing is
 * stored for the day, `restated` when its figures changed after they were first written.
 */
export type HistoryDay = KpiDay;

export const HISTORY_RANGES = [30, 90, 365] as const;
export type HistoryRange = (typeof HISTORY_RANGES)[number];

export function historyRangeOf(raw: string | null): HistoryRange {
  const days = Number(raw);
  return HISTORY_RANGES.find((range) => range === days) ?? 30;
}

/** The names of the numeric metrics on any day, in first-seen order (text fields such as a currency are not charted). */
export function metricNames(days: readonly HistoryDay[]): string[] {
  const names = new Set<string>();
  for (const day of days) {
    for (const [name, value] of Object.entries(day.metrics ?? {})) if (typeof value === 'number') names.add(name);
  }
  return [...names];
}

/** A day's figure for `metric`, or null when the day is missing or the value is not a number. */
export function metricValue(day: HistoryDay, metric: string): number | null {
  const value = day.metrics?.[metric];
  return typeof value === 'number' ? value : null;
}

/** "spend_usd" -> "Spend usd". */
export function metricLabel(name: string): string {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The `days` calendar days ending at `to` (inclusive), as YYYY-MM-DD. */
export function dayRange(to: string, days: number): { from: string; to: string } {
  const end = Date.parse(`${to}T00:00:00Z`);
  return { from: new Date(end - (days - 1) * 86_400_000).toISOString().slice(0, 10), to };
}

/**
 * The calendar day `daysAgo` days before `now` in `timeZone` (an IANA name; the browser's own when not
 * given), as YYYY-MM-DD.
 */
export function dayInZone(now: Date, daysAgo: number, timeZone?: string): string {
  return timeZone ? addDays(dateInZone(now, timeZone), -daysAgo) : localDay(now, daysAgo);
}

/** The browser's local calendar day `daysAgo` days before `now`, as YYYY-MM-DD. */
export function localDay(now: Date, daysAgo: number): string {
  const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() - daysAgo);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}
