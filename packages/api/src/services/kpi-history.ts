import { queryRows, type Service, sql, withTenant } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import type { KpiHistoryJson } from '../validators/answers/kpis.ts';
import { type KpiHistoryInput, kpiHistoryInput } from '../validators/kpis.ts';

export type { KpiHistoryJson };

type DayRow = {
  date: string;
  metrics: Record<string, number | string> | null;
  updated_at: Date | null;
  run_id: string | null;
  restated_at: Date | null;
};

/**
 * Every day of [from, to] for one source, stored or visibly missing, as the tenant (row-level security
 * keeps it to the caller's rows). The days are the source's own (the connection's zone), so the answer
 * names that zone.
 */
export async function kpiHistory(deps: ApiDeps, userId: number, raw: KpiHistoryInput): Promise<KpiHistoryJson> {
  const input = kpiHistoryInput.parse(raw);
  const service: Service = input.service;
  const { days, timezone } = await withTenant(deps.db, userId, async (tx) => {
    const days = await queryRows<DayRow>(
      tx,
      sql`SELECT d.day::text AS date, s.metrics, s.updated_at, s.run_id, s.restated_at
          FROM (SELECT generate_series(${input.from}::date, ${input.to}::date, interval '1 day')::date AS day) AS d
          LEFT JOIN kpi_snapshots s ON s.service = ${service} AND s.date = d.day
          ORDER BY d.day`,
    );
    const [connection] = await queryRows<{ timezone: string | null }>(
      tx,
      sql`SELECT timezone FROM connections WHERE service = ${service}`,
    );
    return { days, timezone: connection?.timezone ?? null };
  });
  return {
    service,
    from: input.from,
    to: input.to,
    timezone,
    days: days.map((day) => ({
      date: day.date,
      metrics: day.metrics,
      synced_at: day.updated_at ? new Date(day.updated_at).toISOString() : null,
      run_id: day.run_id === null ? null : Number(day.run_id),
      missing: day.metrics === null,
      restated: day.restated_at !== null,
    })),
  };
}
