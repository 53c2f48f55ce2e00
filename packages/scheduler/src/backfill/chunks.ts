import { addDays } from '@kpi/cron';

/** The most days one backfill chunk asks a source for: a month, which Meta, GA4 and Shopify each answer in one call. */
export const BACKFILL_CHUNK_DAYS = 31;

const DAY_MS = 86_400_000;

/** Days from `from` to `to`, both included (1 for the same day). */
export function daysInRange(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/**
 * The next chunk of a backfill: from the day after its checkpoint (the last day done, null before the
 * first chunk) for up to `BACKFILL_CHUNK_DAYS` days, never past the range's end. Null when it is done.
 */
export function nextChunk(
  range: { from: string; to: string },
  checkpoint: string | null,
  chunkDays = BACKFILL_CHUNK_DAYS,
): { from: string; to: string } | null {
  const from = checkpoint === null ? range.from : addDays(checkpoint, 1);
  if (from > range.to) return null;
  const end = addDays(from, chunkDays - 1);
  // YYYY-MM-DD strings order as the dates do.
  if (end > range.to) return { from, to: range.to };
  return { from, to: end };
}

/** The range's last chunk: its final `BACKFILL_CHUNK_DAYS` days, or all of it when shorter. */
export function lastChunk(range: { from: string; to: string }): { from: string; to: string } {
  const from = addDays(range.to, -(BACKFILL_CHUNK_DAYS - 1));
  if (from < range.from) return { from: range.from, to: range.to };
  return { from, to: range.to };
}
