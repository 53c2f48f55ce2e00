/** Minutes east of UTC of `zone` at `instant` (e.g. -240 for New York in summer). */
export function zoneOffsetMinutes(instant: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The start of a calendar date in a zone as ISO-8601 with its offset: `2026-08-10T00:00:00-04:00`. */
export function startOfDayIso(date: string, zone: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  let guess = Date.UTC(y, m - 1, d);
  // Two passes settle the offset even when midnight is near a DST change.
  for (let i = 0; i < 2; i++) guess = Date.UTC(y, m - 1, d) - zoneOffsetMinutes(new Date(guess), zone) * 60_000;
  const offset = zoneOffsetMinutes(new Date(guess), zone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${date}T00:00:00${sign}${hh}:${mm}`;
}

export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** A date as a spreadsheet serial (days since 1899-12-30), which is what USER_ENTERED turns it into. */
export function dateSerial(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(1899, 11, 30)) / 86_400_000);
}

/** A spreadsheet serial as the date it counts (the inverse of dateSerial). */
export function serialDate(serial: number): string {
  return new Date(Date.UTC(1899, 11, 30) + serial * 86_400_000).toISOString().slice(0, 10);
}

/** GA4's `YYYYMMDD` as `YYYY-MM-DD`. */
export const fromCompactDate = (value: string): string => `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
