import { z } from 'zod';
import { RUN_STATUSES } from '../runs.ts';
import { isoTimestamp, nullableTimestamp, serviceJson } from './common.ts';

export const RUN_TRIGGERS = ['cron', 'manual', 'recovery', 'backfill'] as const;

export const runJson = z.strictObject({
  id: z.number().int(),
  jobId: z.string(),
  service: serviceJson,
  trigger: z.enum(RUN_TRIGGERS),
  scheduled_for: isoTimestamp,
  status: z.enum(RUN_STATUSES),
  attempt: z.number().int(),
  max_attempts: z.number().int(),
  run_after: isoTimestamp,
  started_at: nullableTimestamp,
  finished_at: nullableTimestamp,
  duration_ms: z.number().int().nullable(),
  error: z.string().nullable(),
  error_class: z.string().nullable(),
  /** What the connector reported; null until the run finished. */
  result: z.unknown(),
  /**
   * The source days the run covers (both ends included): a backfill's whole range from the start, another
   * run's fetched days once it finished; null when it fetched none.
   */
  range: z.strictObject({ from: z.iso.date(), to: z.iso.date() }).nullable(),
  /** How many of those days were new or had changed figures; null before it finished. */
  days_changed: z.number().int().nullable(),
  created_at: isoTimestamp,
  /** A backfill's days done of total; null for other runs. */
  progress: z.strictObject({ done: z.number().int().min(0), total: z.number().int().min(0) }).nullable(),
});
export type RunJson = z.infer<typeof runJson>;

export const runPageJson = z.strictObject({ items: z.array(runJson), nextCursor: z.number().int().nullable() });
export type RunPageJson = z.infer<typeof runPageJson>;

export const serviceStatsJson = z.strictObject({
  service: serviceJson,
  last_success_at: nullableTimestamp,
  last_failure_at: nullableTimestamp,
  success_rate: z.number().min(0).max(1).nullable(),
  average_duration_ms: z.number().int().nullable(),
  next_run_at: nullableTimestamp,
  runs_total: z.number().int(),
});
export type ServiceStats = z.infer<typeof serviceStatsJson>;

export const kpiJson = z.strictObject({
  service: serviceJson,
  date: z.iso.date(),
  metrics: z.record(z.string(), z.union([z.number(), z.string()])),
  source: z.string(),
  /** True for generated sample figures (no real connector for this source yet). */
  sample: z.boolean(),
  updated_at: isoTimestamp,
});
export type KpiJson = z.infer<typeof kpiJson>;
