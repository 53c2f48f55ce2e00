import { z } from 'zod';
import { serviceJson } from './common.ts';

/** What a queued backfill answers: its job, its range and how many days it covers. */
export const backfillQueuedJson = z.strictObject({
  jobId: z.string().regex(/^job-\d+$/),
  service: serviceJson,
  userId: z.number().int(),
  from: z.iso.date(),
  to: z.iso.date(),
  days: z.number().int().min(1),
});
export type BackfillQueuedJson = z.infer<typeof backfillQueuedJson>;

/** The 202 answer of `POST /api/schedules/:service/backfill`: the run-now envelope, with a message. */
export const backfillQueuedAnswer = z.strictObject({
  success: z.literal(true),
  message: z.string(),
  data: backfillQueuedJson,
});
