import { z } from 'zod';
import { serviceInput } from './schedule.ts';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped'] as const;

export const runsListInput = z.strictObject({
  service: serviceInput.optional(),
  status: z.enum(RUN_STATUSES, { error: () => `status must be one of ${RUN_STATUSES.join(', ')}` }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The id of the last run of the previous page: the next page holds older runs. */
  cursor: z.coerce.number().int().positive().optional(),
});
export type RunsListInput = z.input<typeof runsListInput>;

export const runIdInput = z.strictObject({ id: z.coerce.number().int().positive() });
