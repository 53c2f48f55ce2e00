import { z } from 'zod';
import { nullableTimestamp, serviceJson } from './common.ts';

/** One source day: its figures and when they were written, or `missing` when no run has stored it. */
export const kpiDayJson = z.strictObject({
  date: z.iso.date(),
  metrics: z.record(z.string(), z.union([z.number(), z.string()])).nullable(),
  synced_at: nullableTimestamp,
  run_id: z.number().int().nullable(),
  missing: z.boolean(),
  /** The day's figures changed after they were first written (the source restated them). */
  restated: z.boolean(),
});
export type KpiDayJson = z.infer<typeof kpiDayJson>;

export const kpiHistoryJson = z.strictObject({
  service: serviceJson,
  from: z.iso.date(),
  to: z.iso.date(),
  /** The zone the source's days are in (the connection's); null for sample data or a zone not learned yet. */
  timezone: z.string().nullable(),
  days: z.array(kpiDayJson),
});
export type KpiHistoryJson = z.infer<typeof kpiHistoryJson>;
