// Time-zone helpers on the platform's own Intl data, so offsets and names match what the browser shows.

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, as "UTC+05:30". */
export function utcOffsetLabel(timeZone: string, at: Date): string {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timeZone, formatter);
  }
  const name = formatter.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  // Browsers write a zero offset as "GMT", Node as "GMT+00:00": show one form.
  return name === 'GMT' ? 'UTC+00:00' : name.replace(/^GMT/, 'UTC');
}

/** Offset in minutes east of UTC, for sorting zones. */
export function utcOffsetMinutes(timeZone: string, at: Date): number {
  const match = /^UTC([+-])(\d{2}):(\d{2})$/.exec(utcOffsetLabel(timeZone, at));
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

const dateTimeFormatters = new Map<string, Intl.DateTimeFormat>();

/** "Mon, 30 Mar 2026, 02:00 GMT+1" style: date, 24-hour time and the zone's short name. */
export function formatDateTime(value: Date | string, timeZone?: string, withSeconds = false): string {
  const key = `${timeZone ?? ''}|${withSeconds}`;
  let formatter = dateTimeFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(undefined, {
      ...(timeZone ? { timeZone } : {}),
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    dateTimeFormatters.set(key, formatter);
  }
  return formatter.format(typeof value === 'string' ? new Date(value) : value);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** "in 3 hours", "5 minutes ago". */
export function formatRelative(value: Date | string, now: Date): string {
  const diff = (typeof value === 'string' ? Date.parse(value) : value.getTime()) - now.getTime();
  // `now` ticks every 30 s, so an event that just happened can look a few seconds in the future.
  if (Math.abs(diff) < 45_000) return diff > 0 && diff > 5_000 ? 'in under a minute' : 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size || unit === 'second') return relative.format(Math.round(diff / size), unit);
  }
  return '';
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}
