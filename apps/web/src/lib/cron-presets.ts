// Presets cover what most people want without writing cron; anything else is a custom expression.

export type PresetKind = 'hourly' | 'daily' | 'weekdays' | 'weekly' | 'monthly' | 'custom';
export type PresetParams = { minute: number; hour: number; weekday: number; dayOfMonth: number };

export const PRESETS: ReadonlyArray<{ kind: PresetKind; label: string }> = [
  { kind: 'hourly', label: 'Every hour' },
  { kind: 'daily', label: 'Every day' },
  { kind: 'weekdays', label: 'Weekdays (Mon–Fri)' },
  { kind: 'weekly', label: 'Once a week' },
  { kind: 'monthly', label: 'Once a month' },
  { kind: 'custom', label: 'Custom cron expression' },
];

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

export const DEFAULT_PARAMS: PresetParams = { minute: 0, hour: 2, weekday: 1, dayOfMonth: 1 };

/** The cron a preset stands for; `custom` has none of its own. */
export function cronForPreset(kind: Exclude<PresetKind, 'custom'>, p: PresetParams): string {
  switch (kind) {
    case 'hourly':
      return `${p.minute} * * * *`;
    case 'daily':
      return `${p.minute} ${p.hour} * * *`;
    case 'weekdays':
      return `${p.minute} ${p.hour} * * 1-5`;
    case 'weekly':
      return `${p.minute} ${p.hour} * * ${p.weekday}`;
    case 'monthly':
      return `${p.minute} ${p.hour} ${p.dayOfMonth} * *`;
  }
}

const NUMBER = '(0|[1-9]\\d?)';
const PATTERNS: Array<[Exclude<PresetKind, 'custom'>, RegExp]> = [
  ['hourly', new RegExp(`^${NUMBER} \\* \\* \\* \\*$`)],
  ['daily', new RegExp(`^${NUMBER} ${NUMBER} \\* \\* \\*$`)],
  ['weekdays', new RegExp(`^${NUMBER} ${NUMBER} \\* \\* 1-5$`)],
  ['weekly', new RegExp(`^${NUMBER} ${NUMBER} \\* \\* ([0-7])$`)],
  ['monthly', new RegExp(`^${NUMBER} ${NUMBER} ${NUMBER} \\* \\*$`)],
];

/** Which preset an expression is, with its parameters; anything unrecognised (or out of range) is custom. */
export function detectPreset(cron: string, fallback: PresetParams = DEFAULT_PARAMS): { kind: PresetKind; params: PresetParams } {
  for (const [kind, pattern] of PATTERNS) {
    const match = pattern.exec(cron.trim());
    if (!match) continue;
    const [minute, hour, third] = match.slice(1).map(Number) as [number, number | undefined, number | undefined];
    const params: PresetParams = { ...fallback, minute };
    if (kind !== 'hourly') params.hour = hour ?? fallback.hour;
    if (kind === 'weekly') params.weekday = (third ?? 1) % 7;
    if (kind === 'monthly') params.dayOfMonth = third ?? 1;
    const inRange =
      params.minute <= 59 && params.hour <= 23 && params.dayOfMonth >= 1 && params.dayOfMonth <= 31 && params.weekday <= 6;
    if (inRange) return { kind, params };
  }
  return { kind: 'custom', params: fallback };
}

export function formatClock(hour: number, minute: number): string {
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}
