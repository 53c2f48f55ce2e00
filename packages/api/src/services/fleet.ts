import { queryRows, sql, withService } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import type { FleetJson } from '../validators/answers/admin.ts';
import { RUN_STATUSES } from '../validators/runs.ts';

/** An instance is alive while its heartbeat (every few seconds) is younger than this. */
export const INSTANCE_ALIVE_MS = 30_000;
const DAY_MS = 86_400_000;

type Figures = {
  queue_depth: number;
  lag_p50: number | null;
  lag_p99: number | null;
  failing_sources: number;
  paused_sources: number;
};

/**
 * Fleet health across all users, for administrators. It reads as the service role because it spans
 * users, and every statement below aggregates: the answer holds counts and figures, never a row of a
 * user's schedules, runs or connections (fleetJson is strict, so a stray field fails the answer).
 */
export async function fleetStats(deps: Pick<ApiDeps, 'db' | 'clock' | 'providerBudgets'>): Promise<FleetJson> {
  const now = deps.clock();
  const dayAgo = new Date(now.getTime() - DAY_MS);
  const aliveSince = new Date(now.getTime() - INSTANCE_ALIVE_MS);
  const { instances, figures, byStatus } = await withService(deps.db, async (tx) => ({
    instances: await queryRows<{ id: string; started_at: Date; last_seen_at: Date }>(
      tx,
      sql`SELECT id, started_at, last_seen_at FROM scheduler_instances WHERE last_seen_at >= ${aliveSince} ORDER BY started_at, id`,
    ),
    figures: await queryRows<Figures>(
      tx,
      // Fire lag is measured on first attempts of cron runs: a retry's started_at is its own start.
      // A source (a schedule row) is failing when its latest finished run failed; paused when the engine
      // switched it off.
      sql`SELECT
            (SELECT count(*)::int FROM job_runs WHERE status = 'queued' AND run_after <= ${now}) AS queue_depth,
            lag.p50 AS lag_p50, lag.p99 AS lag_p99,
            (SELECT count(*)::int FROM job_schedules s
              CROSS JOIN LATERAL (
                SELECT r.status FROM job_runs r
                WHERE r.user_id = s.user_id AND r.service = s.service AND r.status IN ('succeeded', 'failed')
                ORDER BY r.user_id, r.service, r.id DESC LIMIT 1
              ) latest WHERE latest.status = 'failed') AS failing_sources,
            (SELECT count(*)::int FROM job_schedules s
              WHERE NOT s.enabled AND s.paused_at IS NOT NULL) AS paused_sources
          FROM (
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
            FROM (
              SELECT extract(epoch FROM started_at - scheduled_for) * 1000 AS ms FROM job_runs
              WHERE trigger = 'cron' AND attempt = 1 AND started_at >= ${dayAgo} AND started_at <= ${now}
            ) fires
          ) lag`,
    ),
    byStatus: await queryRows<{ status: string; count: number }>(
      tx,
      // Two halves, so each is read through a partial index (finished runs by created_at; the few active
      // ones through the one-active index) instead of scanning the whole history.
      sql`SELECT status, count(*)::int AS count FROM job_runs
          WHERE status IN ('succeeded', 'failed', 'skipped') AND created_at >= ${dayAgo} GROUP BY status
          UNION ALL
          SELECT status, count(*)::int AS count FROM job_runs
          WHERE status IN ('queued', 'running') AND created_at >= ${dayAgo} GROUP BY status`,
    ),
  }));
  const [figure] = figures;
  const runs24h = Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as FleetJson['runs_24h'];
  for (const row of byStatus) if (row.status in runs24h) runs24h[row.status as keyof typeof runs24h] = row.count;
  return {
    instances: instances.map((row) => ({
      id: row.id,
      started_at: new Date(row.started_at).toISOString(),
      last_seen_at: new Date(row.last_seen_at).toISOString(),
    })),
    queue_depth: figure?.queue_depth ?? 0,
    fire_lag_ms: { p50: roundOrNull(figure?.lag_p50), p99: roundOrNull(figure?.lag_p99) },
    runs_24h: runs24h,
    failing_sources: figure?.failing_sources ?? 0,
    paused_sources: figure?.paused_sources ?? 0,
    provider_budgets: (await deps.providerBudgets?.()) ?? [],
  };
}

function roundOrNull(value: number | string | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value));
}
