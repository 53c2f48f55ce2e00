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

function cached(key: string, build: () => Cron): Cron {
  const hit = cache.get(key);
  if (hit) return hit;
  const cron = build();
  cache.set(key, cron);
  return cron;
}

/** The shared, paused `Cron` for an expression in a zone. Throws croner's error for an invalid pair. */
export function cronFor(expression: string, timeZone: string): Cron {
  return cached(`${timeZone}\u0000${expression}`, () => new Cron(expression, { ...CRON_OPTIONS, timezone: timeZone }));
}

/**
 * The same schedule as `cronFor`, restricted to the local years `firstYear` to `lastYear`. croner walks
 * the calendar day by day until a day matches and gives up only at the year 3000, so a sparse or
 * impossible day pattern (`0 0 1-7 * +1#5`, "a fifth Monday within the first week") costs about half a
 * second of CPU per call; with a year field croner skips to the end of the range and stops instead. The
 * fires inside the range are the fires of the unrestricted expression: the year field is croner's
 * seventh, and the other six fields are passed unchanged (five fields get the seconds `0` croner adds).
 */
export function cronWithinYears(expression: string, timeZone: string, firstYear: number, lastYear: number): Cron {
  return withinYears(expression, timeZone, firstYear, lastYear, { timezone: timeZone });
}

/**
 * As `cronWithinYears`, on the wall clock: the fires are the local times at which the expression fires,
 * written as if they were UTC instants, with no DST. croner then makes no zone lookups (each of which
 * costs it several `Intl` calls per fire), so sampling hundreds of fires costs well under a millisecond.
 */
export function wallCronWithinYears(expression: string, firstYear: number, lastYear: number): Cron {
  return withinYears(expression, '\u0001wall', firstYear, lastYear, { utcOffset: 0 });
}

function withinYears(
  expression: string,
  zoneKey: string,
  firstYear: number,
  lastYear: number,
  zone: Pick<CronOptions, 'timezone' | 'utcOffset'>,
): Cron {
  const fields = expression.split(/\s+/);
  const withSeconds = fields.length === 5 ? ['0', ...fields] : fields;
  const first = Math.min(9999, Math.max(1, firstYear));
  const years = `${first}-${Math.min(9999, Math.max(first, lastYear))}`;
  return cached(
    `${zoneKey}\u0000${expression}\u0000${years}`,
    () => new Cron([...withSeconds, years].join(' '), { ...CRON_OPTIONS, mode: '6-or-7-parts', ...zone }),
  );
}

export function cronCacheSize(): number {
  return cache.size;
}
