/**
 * One stored day of a source's KPIs, as `kpis.history` answers it (`days[]`): `missing` when nothing is
 * stored for the day, `restated` when its figures changed after they were first written.
 */
export type HistoryDay = {
  date: string;
  metrics: Record<string, number> | null;
  synced_at: string | null;
  run_id: number | null;
  missing: boolean;
  restated: boolean;
};

export const HISTORY_RANGES = [30, 90, 365] as const;
export type HistoryRange = (typeof HISTORY_RANGES)[number];

export function historyRangeOf(raw: string | null): HistoryRange {
  const days = Number(raw);
  return HISTORY_RANGES.find((range) => range === days) ?? 30;
}

/** The metric names present on any day, in first-seen order. */
export function metricNames(days: readonly HistoryDay[]): string[] {
  const names = new Set<string>();
  for (const day of days) for (const name of Object.keys(day.metrics ?? {})) names.add(name);
  return [...names];
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
