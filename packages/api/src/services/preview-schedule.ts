import { runsAhead } from '@kpi/cron';
import type { ApiDeps } from '../deps.ts';
import type { PreviewJson } from '../validators/answers/schedules.ts';
import { type SchedulePreviewInput, schedulePreviewInput } from '../validators/schedule.ts';
import { assertUsableCron } from './validate-schedule.ts';

/**
 * The next fires of an expression, exactly as the engine computes them, for forms and callers: up to
 * `count`, and only those within the look-ahead validation uses (LOOKAHEAD_YEARS), so that a public
 * caller cannot make the server search the calendar for years.
 */
export function previewSchedule(deps: Pick<ApiDeps, 'clock' | 'settings'>, raw: SchedulePreviewInput): PreviewJson {
  const input = schedulePreviewInput.parse(raw);
  const from = input.from ? new Date(input.from) : deps.clock();
  assertUsableCron(input.cron, input.timezone, deps.settings.minIntervalSeconds, from);
  const runs = runsAhead(input.cron, input.timezone, from, input.count);
  return { cron: input.cron, timezone: input.timezone, from: from.toISOString(), runs: runs.map((d) => d.toISOString()) };
}
