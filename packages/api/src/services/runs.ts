import { and, desc, eq, jobRuns, lt, queryRows, SERVICES, type Service, sql, withTenant } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { RunPageJson, ServiceStats } from '../validators/answers/runs.ts';
import { type RunsListInput, runsListInput } from '../validators/runs.ts';
import { type RunJson, toRunJson } from './run-json.ts';

/** The user's runs, newest first, a page at a time (keyset on id, so pages stay stable while runs arrive). */
export async function listRuns(deps: ApiDeps, userId: number, raw: RunsListInput): Promise<RunPageJson> {
  const input = runsListInput.parse(raw);
  const rows = await withTenant(deps.db, userId, (tx) =>
    tx
      .select()
      .from(jobRuns)
      .where(
        and(
          input.service ? eq(jobRuns.service, input.service) : undefined,
          input.status ? eq(jobRuns.status, input.status) : undefined,
          input.cursor ? lt(jobRuns.id, input.cursor) : undefined,
        ),
      )
      .orderBy(desc(jobRuns.id))
      .limit(input.limit + 1),
  );
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { items: page.map(toRunJson), nextCursor: rows.length > input.limit && last ? last.id : null };
}

/** One of the user's runs; another user's id is "not found" (RLS hides the row). */
export async function getRun(deps: ApiDeps, userId: number, id: number): Promise<RunJson> {
  const [row] = await withTenant(deps.db, userId, (tx) => tx.select().from(jobRuns).where(eq(jobRuns.id, id)));
  if (!row) throw new AppError('NOT_FOUND', `Run ${id} not found`);
  return toRunJson(row);
}

export type { ServiceStats };

// A backfill the user cancelled ends `failed`, but nothing went wrong: it is not a failure of the source.
const NOT_CANCELLED = sql`r.error_class IS DISTINCT FROM 'cancelled'`;

/** Per-service figures over the user's finished runs, with the schedule's next fire. */
export async function runStats(deps: ApiDeps, userId: number): Promise<ServiceStats[]> {
  const rows = await withTenant(deps.db, userId, (tx) =>
    queryRows<{
      service: Service;
      last_success_at: Date | null;
      last_failure_at: Date | null;
      succeeded: number;
      failed: number;
      average_duration_ms: number | null;
      next_run_at: Date | null;
      runs_total: number;
    }>(
      tx,
      sql`SELECT svc.service,
                 max(r.finished_at) FILTER (WHERE r.status = 'succeeded') AS last_success_at,
                 max(r.finished_at) FILTER (WHERE r.status = 'failed' AND ${NOT_CANCELLED}) AS last_failure_at,
                 count(r.id) FILTER (WHERE r.status = 'succeeded')::int AS succeeded,
                 count(r.id) FILTER (WHERE r.status = 'failed' AND ${NOT_CANCELLED})::int AS failed,
                 round(avg(r.duration_ms) FILTER (WHERE r.status = 'succeeded'))::int AS average_duration_ms,
                 (SELECT s.next_run_at FROM job_schedules s WHERE s.service = svc.service AND s.enabled) AS next_run_at,
                 count(r.id)::int AS runs_total
          FROM unnest(${`{${SERVICES.join(',')}}`}::text[]) WITH ORDINALITY AS svc(service, position)
          LEFT JOIN job_runs r ON r.service = svc.service
          GROUP BY svc.service, svc.position
          ORDER BY svc.position`,
    ),
  );
  return rows.map((row) => ({
    service: row.service,
    last_success_at: row.last_success_at ? new Date(row.last_success_at).toISOString() : null,
    last_failure_at: row.last_failure_at ? new Date(row.last_failure_at).toISOString() : null,
    success_rate: row.succeeded + row.failed > 0 ? row.succeeded / (row.succeeded + row.failed) : null,
    average_duration_ms: row.average_duration_ms,
    next_run_at: row.next_run_at ? new Date(row.next_run_at).toISOString() : null,
    runs_total: row.runs_total,
  }));
}
