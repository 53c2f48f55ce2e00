import { z } from 'zod';
import { PREVIEW_MAX_COUNT } from '../schedule.ts';
import { isoTimestamp, nullableTimestamp, serviceJson } from './common.ts';

/** A schedule as REST and tRPC answer it; timestamps are ISO-8601 UTC strings or null. */
export const scheduleJson = z.strictObject({
  id: z.number().int(),
  service: serviceJson,
  cron: z.string(),
  enabled: z.boolean(),
  timezone: z.string(),
  /** Complete days each run fetches again: the schedule's own, or the source's default. */
  lookback_days: z.number().int(),
  last_run_at: nullableTimestamp,
  next_run_at: nullableTimestamp,
  /** Failed runs in a row that pause the schedule (0: never). */
  pause_after_failures: z.number().int(),
  /** Why the engine paused the schedule (failures in a row, a refused credential); null when it did not. */
  paused_reason: z.string().nullable(),
  paused_at: nullableTimestamp,
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});
export type ScheduleJson = z.infer<typeof scheduleJson>;

/** The next fires of a cron in a zone (UTC instants). */
export const previewJson = z.strictObject({
  cron: z.string(),
  timezone: z.string(),
  from: isoTimestamp,
  runs: z.array(isoTimestamp).max(PREVIEW_MAX_COUNT),
});
export type PreviewJson = z.infer<typeof previewJson>;

/** The answer to "run now": its own envelope, with a message beside the data. */
export const runEnqueuedAnswer = z.strictObject({
  success: z.literal(true),
  message: z.string(),
  data: z.strictObject({ jobId: z.string().regex(/^job-\d+$/), service: serviceJson, userId: z.number().int() }),
});
export type RunEnqueuedAnswer = z.infer<typeof runEnqueuedAnswer>;
