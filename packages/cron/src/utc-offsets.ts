/**
 * UTC offsets and their changes (DST and other clock changes) from the runtime's ICU data, for the
 * minimum-interval check: it computes the gaps of a pattern on the wall clock, where croner needs no zone
 * lookups, and looks at the zone only where its offset changes.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    if (formats.size < 1024) formats.set(timeZone, format);
  }
  return format;
}

/** The zone's offset from UTC at `atMs`, in milliseconds (local wall clock minus UTC). */
export function utcOffsetMs(timeZone: string, atMs: number): number {
  const at = Math.floor(atMs / 1000) * 1000;
  const part: Record<string, number> = {};
  let bc = false;
  for (const { type, value } of formatFor(timeZone).formatToParts(at)) {
    if (type === 'era') bc = value === 'BC';
    else if (type !== 'literal' && type !== 'dayPeriod') part[type] = Number(value);
  }
  const year = bc ? 1 - (part.year ?? 0) : (part.year ?? 0);
  const wall = new Date(0);
  wall.setUTCFullYear(year, (part.month ?? 1) - 1, part.day ?? 1);
  wall.setUTCHours(part.hour ?? 0, part.minute ?? 0, part.second ?? 0, 0);
  return wall.getTime() - at;
}

export type OffsetChange = { atMs: number; beforeMs: number; afterMs: number };

// Zones change their offset at most a few times a year, and no change has ever been undone within two
// weeks, so sampling every 14 days and bisecting where two samples differ finds every change that lasts.
const STEP_MS = 14 * 86_400_000;
const changesByYear = new Map<string, OffsetChange[]>();
const YEAR_CACHE_LIMIT = 512;

/** The offset changes of `timeZone` in the UTC year `year`, cached per (zone, year) with an LRU bound. */
function changesInYear(timeZone: string, year: number): OffsetChange[] {
  const key = `${timeZone}\u0000${year}`;
  const hit = changesByYear.get(key);
  if (hit) {
    changesByYear.delete(key);
    changesByYear.set(key, hit);
    return hit;
  }
  const start = yearStartMs(year);
  const end = yearStartMs(year + 1);
  const changes: OffsetChange[] = [];
  let at = start;
  let offset = utcOffsetMs(timeZone, at);
  while (at < end) {
    const next = Math.min(at + STEP_MS, end);
    const nextOffset = utcOffsetMs(timeZone, next);
    if (nextOffset !== offset) {
      // The change is in (at, next]: bisect to the second.
      let low = at;
      let high = next;
      while (high - low > 1000) {
        const middle = low + Math.floor((high - low) / 2000) * 1000;
        if (utcOffsetMs(timeZone, middle) === offset) low = middle;
        else high = middle;
      }
      changes.push({ atMs: high, beforeMs: offset, afterMs: nextOffset });
    }
    at = next;
    offset = nextOffset;
  }
  changesByYear.set(key, changes);
  if (changesByYear.size > YEAR_CACHE_LIMIT) {
    const oldest = changesByYear.keys().next().value;
    if (oldest !== undefined) changesByYear.delete(oldest);
  }
  return changes;
}

// Date.UTC reads the years 0-99 as 1900-1999.
function yearStartMs(year: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, 0, 1);
  return date.getTime();
}

/** Every offset change of `timeZone` in [fromMs, toMs). */
export function offsetChanges(timeZone: string, fromMs: number, toMs: number): OffsetChange[] {
  const changes: OffsetChange[] = [];
  for (let year = new Date(fromMs).getUTCFullYear(); year <= new Date(toMs).getUTCFullYear(); year++) {
    for (const change of changesInYear(timeZone, year)) if (change.atMs >= fromMs && change.atMs < toMs) changes.push(change);
  }
  return changes;
}
