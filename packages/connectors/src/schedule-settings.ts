import { type Db, queryRows, type Service, sql, withService } from '@kpi/db';

export type ScheduleSettings = { timezone: string; lookbackDays: number | null };

/**
 * What a run needs from its schedule row: the schedule's IANA zone (the sample connector's day) and its
 * `lookback_days` (null: the source's default). A run without a schedule row (a manual run before the
 * user saved one) reads as UTC with the default lookback.
 */
export async function scheduleSettings(db: Db, userId: number, service: Service): Promise<ScheduleSettings> {
  const [row] = await withService(db, (tx) =>
    queryRows<{ timezone: string; lookback_days: number | null }>(
      tx,
      sql`SELECT timezone, lookback_days FROM job_schedules WHERE user_id = ${userId} AND service = ${service}`,
    ),
  );
  return { timezone: row?.timezone ?? 'UTC', lookbackDays: row?.lookback_days ?? null };
}
