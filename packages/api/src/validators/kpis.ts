import { z } from 'zod';
import { serviceInput } from './schedule.ts';

/** The longest history one request may ask for, in days. */
export const KPI_HISTORY_MAX_DAYS = 366;

const dayInput = (field: 'from' | 'to') =>
  z.iso.date({ error: `${field} must be a date like 2026-08-10` }).refine((value) => !Number.isNaN(Date.parse(value)), {
    message: `${field} must be a real calendar date`,
  });

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;

/** `GET /api/kpis/history` and `kpis.history`: one source, an inclusive range of its days (at most 366). */
export const kpiHistoryInput = z
  .strictObject({ service: serviceInput, from: dayInput('from'), to: dayInput('to') })
  .refine((input) => input.from <= input.to, { message: 'from must not be after to', path: ['from'] })
  .refine((input) => dayNumber(input.to) - dayNumber(input.from) + 1 <= KPI_HISTORY_MAX_DAYS, {
    message: `the range may span at most ${KPI_HISTORY_MAX_DAYS} days`,
    path: ['to'],
  });
export type KpiHistoryInput = z.input<typeof kpiHistoryInput>;
