import { Cron, type CronOptions } from 'croner';
import { LRUCache } from 'lru-cache';

/** The column width of `job_schedules.cron_expression`. */
export const CRON_MAX_LENGTH = 100;

/**
 * The one set of croner options used everywhere a fire time is computed: the server, the scheduler and
 * the browser preview. Changing one of these changes when every schedule fires, so they live in one place.
 * - `5-or-6-parts`: standard 5-field cron, or 6 fields with seconds first; never croner's 7-field years.
 * - `paused`: these objects only compute dates, they never run a callback.
 */
export const CRON_OPTIONS = { mode: '5-or-6-parts', paused: true } as const satisfies CronOptions;

// A croner `Cron` holds about 83 KB (a year-sized lookup array), so one per schedule would cost 8 GB at
// 100,000 schedules. Schedules share a handful of (expression, zone) pairs in practice, so we keep one
// object per pair, bounded by an LRU so a stream of distinct expressions cannot grow memory without end.
const CACHE_LIMIT = 512;
const cache = new LRUCache<string, Cron>({ max: CACHE_LIMIT });

/** The shared, paused `Cron` for an expression in a zone. Throws croner's error for an invalid pair. */
export function cronFor(expression: string, timeZone: string): Cron {
  const key = `${timeZone}\u0000${expression}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const cron = new Cron(expression, { ...CRON_OPTIONS, timezone: timeZone });
  cache.set(key, cron);
  return cron;
}

export function cronCacheSize(): number {
  return cache.size;
}
