import { kpiSnapshots, queryRows, type Service, sql, withTenant } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import type { KpiJson } from '../validators/answers/runs.ts';

export type { KpiJson };

/** The newest snapshot per service. */
export async function latestKpis(deps: ApiDeps, userId: number): Promise<KpiJson[]> {
  const rows = await withTenant(deps.db, userId, (tx) =>
    queryRows<{ service: Service; date: string; metrics: Record<string, number | string>; source: string; updated_at: Date }>(
      tx,
      sql`SELECT DISTINCT ON (service) service, date::text AS date, metrics, source, updated_at
          FROM ${kpiSnapshots} ORDER BY service, date DESC`,
    ),
  );
  return rows.map((row) => ({
    service: row.service,
    date: row.date,
    metrics: row.metrics,
    source: row.source,
    sample: row.source === 'sample',
    updated_at: new Date(row.updated_at).toISOString(),
  }));
}
