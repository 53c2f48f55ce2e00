import { CRON_MAX_LENGTH, isValidTimeZone, TIMEZONE_MAX_LENGTH } from '@kpi/cron';
import { LOOKBACK_DAYS, SERVICES, type Service } from '@kpi/sources';
import { z } from 'zod';

export { SERVICES, type Service };
export const serviceInput = z.enum(SERVICES, { error: () => `service must be one of ${SERVICES.join(', ')}` });

export const DEFAULT_SCHEDULE = { cron: '0 2 * * *', enabled: false, timezone: 'Asia/Kolkata' } as const;
/** Failed runs in a row that pause a schedule when neither it nor PAUSE_AFTER_FAILURES says otherwise. */
export const DEFAULT_PAUSE_AFTER_FAILURES = 5;
export const PAUSE_AFTER_FAILURES_MAX = 1000;

export const cronInput = z
  .string({ error: 'cron must be a string' })
  .min(1, 'cron must not be empty')
  .max(CRON_MAX_LENGTH, `cron must be at most ${CRON_MAX_LENGTH} characters`);

export const timezoneInput = z
  .string({ error: 'timezone must be a string' })
  .max(TIMEZONE_MAX_LENGTH, `timezone must be at most ${TIMEZONE_MAX_LENGTH} characters`)
  .refine(isValidTimeZone, { message: 'timezone must be a valid IANA time zone, such as Europe/London' });

/** Complete days each run fetches again (sources restate recent days): a whole number from 1 to 28. */
export const lookbackDaysInput = z
  .number({ error: 'lookback_days must be a whole number of days' })
  .int('lookback_days must be a whole number of days')
  .min(LOOKBACK_DAYS.min, `lookback_days must be at least ${LOOKBACK_DAYS.min}`)
  .max(LOOKBACK_DAYS.max, `lookback_days must be at most ${LOOKBACK_DAYS.max}`);

/**
 * The body of `PUT /api/schedules/:service` and `schedules.update`. Strict: an unknown key (`user_id`,
 * `id`, `last_run_at`, ...) is a 400, never silently ignored. Fields left out keep their current value
 * (or the default, for a schedule that does not exist yet). Whether the cron fires, and how often, is
 * checked by the service against the configured minimum interval.
 */
export const scheduleUpdateInput = z.strictObject(
  {
    cron: cronInput.optional(),
    enabled: z.boolean({ error: 'enabled must be true or false' }).optional(),
    timezone: timezoneInput.optional(),
    lookback_days: lookbackDaysInput.optional(),
    pause_after_failures: z
      .number({ error: 'pause_after_failures must be a whole number' })
      .int('pause_after_failures must be a whole number')
      .min(0, 'pause_after_failures must be 0 (never) or more')
      .max(PAUSE_AFTER_FAILURES_MAX, `pause_after_failures must be at most ${PAUSE_AFTER_FAILURES_MAX}`)
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown field: ${issue.keys.join(', ')}` : 'body must be a JSON object',
  },
);
export type ScheduleUpdateInput = z.infer<typeof scheduleUpdateInput>;

export const PREVIEW_MAX_COUNT = 50;
export const schedulePreviewInput = z.strictObject({
  cron: cronInput,
  timezone: timezoneInput,
  from: z.iso.datetime({ offset: true, error: 'from must be an ISO 8601 date-time' }).optional(),
  count: z.coerce.number().int().min(1).max(PREVIEW_MAX_COUNT).default(5),
});
export type SchedulePreviewInput = z.input<typeof schedulePreviewInput>;
