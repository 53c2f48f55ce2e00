import { z } from 'zod';
import { serviceInput } from './schedule.ts';

/** The most days one backfill may cover. */
export const BACKFILL_MAX_DAYS = 366;

const DAY_MS = 86_400_000;

/** Whether `value` is a real calendar date written YYYY-MM-DD (2026-02-30 is not). */
function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(time) && new Date(time).toISOString().slice(0, 10) === value;
}

/** Days from `from` to `to`, both included. */
export const backfillDays = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;

const dayInput = (field: string) =>
  z
    .string({ error: `${field} must be a date written YYYY-MM-DD` })
    .max(10, `${field} must be a date written YYYY-MM-DD`)
    .refine(isCalendarDate, { message: `${field} must be a real date written YYYY-MM-DD` });

/**
 * The body of `POST /api/schedules/:service/backfill`: an inclusive range of the source's report days.
 * Whether its last day is over yet depends on today, which the service checks.
 */
export const backfillInput = z
  .strictObject(
    { from: dayInput('from'), to: dayInput('to') },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? `unknown field: ${issue.keys.join(', ')}` : 'body must be a JSON object',
    },
  )
  .superRefine((range, context) => {
    if (range.from > range.to) {
      context.addIssue({ code: 'custom', path: ['to'], message: `to (${range.to}) is before from (${range.from})` });
    } else if (backfillDays(range.from, range.to) > BACKFILL_MAX_DAYS) {
      context.addIssue({
        code: 'custom',
        path: ['to'],
        message: `a backfill covers at most ${BACKFILL_MAX_DAYS} days; ${range.from} to ${range.to} is ${backfillDays(range.from, range.to)}`,
      });
    }
  });
export type BackfillInput = z.infer<typeof backfillInput>;

/** tRPC's `schedules.backfill` input; the range itself is checked by `backfillInput` in the service. */
export const backfillRequestInput = z.strictObject({ service: serviceInput, from: z.string().max(100), to: z.string().max(100) });
