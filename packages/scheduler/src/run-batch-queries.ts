import { type Db, type SQL, serviceQuery, sql } from '@kpi/db';
import { SOURCES } from '@kpi/sources';

/** `startedAt`: when the handler started, which for a run that waited in the local queue is after its claim. */
export type Finished = { runId: number; durationMs: number; result: unknown; startedAt: Date };

// HELD_BY_KEY: "this worker still holds the run" is written as a CASE in the statements below so that
// the rows are reached by primary key. As plain `status = 'running' AND locked_by = ...` the planner may
// read them through the partial lease index, which between two vacuums keeps an entry for every run
// ever leased: on a stale estimate of one running row it chose that index and a nested loop over the
// batch, and a 500-row completion that takes 15 ms by key took 300-750 ms after a few rounds of 6,000
// runs. A CASE cannot match the index's predicate, so the key is the only index left.

/** The sources' labels, for the `run.recovered` message the completion statement writes. */
const LABELS = JSON.stringify(Object.fromEntries(Object.entries(SOURCES).map(([id, source]) => [id, source.label])));
/** `failing_since` in ISO 8601 as JavaScript's toISOString writes it (milliseconds, Z). */
const FAILING_SINCE_ISO = sql`to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Records many successes in one statement, atomic by itself: no transaction, one round trip. Each row
 * is written only if this worker still holds the run, so a run taken back meanwhile stays its new
 * owner's. The same statement ends the failure streaks the successes end: for each source whose
 * schedule was failing, the streak is reset and `run.recovered` is recorded in the outbox
 * (kpi_record_notification, which applies the hourly throttle). Answers the ids that were recorded;
 * the others were not ours any more.
 */
export async function completeRuns(db: Db, options: CompletionOptions): Promise<Set<number>> {
  if (options.finished.length === 0) return new Set();
  const rows = await serviceQuery<{ kind: 'run' | 'recovered'; id: string }>(
    db,
    'kpi_complete_runs',
    completionStatement(options),
  );
  return new Set(rows.filter((row) => row.kind === 'run').map((row) => Number(row.id)));
}

type CompletionOptions = { workerId: string; now: Date; finished: Finished[] };

/** completeRuns' statement (exported for the test that reads its plan). */
export function completionStatement(options: CompletionOptions): SQL {
  const values = options.finished.map((f) => ({
    id: f.runId,
    duration_ms: f.durationMs,
    result: f.result ?? null,
    started_at: f.startedAt.toISOString(),
  }));
  const now = options.now;
  return sql`WITH v AS MATERIALIZED (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
            AS v(id bigint, duration_ms integer, result jsonb, started_at timestamptz)
        ), done AS (
          UPDATE job_runs r
          SET status = 'succeeded', started_at = v.started_at, finished_at = ${now}, duration_ms = v.duration_ms, result = v.result,
              error = NULL, error_class = NULL, locked_by = NULL, locked_until = NULL, updated_at = ${now}
          FROM v
          -- "Still ours", inside a CASE so the planner reaches the rows by key (see HELD_BY_KEY).
          WHERE r.id = v.id AND CASE WHEN r.status = 'running' THEN r.locked_by = ${options.workerId} ELSE false END
          RETURNING r.id, r.user_id, r.service
        ), latest AS (
          SELECT DISTINCT ON (user_id, service) id, user_id, service FROM done ORDER BY user_id, service, id DESC
        ), failing AS (
          SELECT s.id, s.user_id, s.service, s.failure_streak, s.failing_since, latest.id AS run_id
          FROM job_schedules s JOIN latest ON s.user_id = latest.user_id AND s.service = latest.service
          WHERE s.failing_since IS NOT NULL
          FOR UPDATE OF s
        ), recovered AS (
          UPDATE job_schedules s SET failure_streak = 0, failing_since = NULL FROM failing WHERE s.id = failing.id
          RETURNING failing.*
        )
        SELECT 'run' AS kind, id::text FROM done
        UNION ALL
        SELECT 'recovered', kpi_record_notification(user_id, service, 'run.recovered', jsonb_build_object(
            'message', format('The %s sync succeeded again%s (failing since %s).',
              ${LABELS}::jsonb ->> service,
              CASE WHEN failure_streak > 0
                THEN format(' after %s failed run%s', failure_streak, CASE WHEN failure_streak = 1 THEN '' ELSE 's' END)
                ELSE '' END,
              ${FAILING_SINCE_ISO}),
            'run', jsonb_build_object('id', run_id, 'status', 'succeeded', 'finished_at', ${now.toISOString()}::text),
            'schedule', jsonb_build_object('id', id, 'failure_streak', 0, 'failing_since', ${FAILING_SINCE_ISO})
          ), ${now}::timestamptz)::text
        FROM recovered`;
}

/**
 * Extends the leases of every run this worker holds, in one statement per instance rather than one per
 * run. Answers the ids still held; a run missing from the answer was taken back and must stop.
 */
export async function renewLeases(
  db: Db,
  options: { workerId: string; runIds: number[]; lockedUntil: Date },
): Promise<Set<number>> {
  if (options.runIds.length === 0) return new Set();
  const rows = await serviceQuery<{ id: string }>(db, 'kpi_renew_leases', renewalStatement(options));
  return new Set(rows.map((row) => Number(row.id)));
}

/** renewLeases' statement (exported for the test that reads its plan). */
export function renewalStatement(options: { workerId: string; runIds: number[]; lockedUntil: Date }): SQL {
  // By key, as completeRuns (HELD_BY_KEY).
  return sql`UPDATE job_runs SET locked_until = ${options.lockedUntil}
          WHERE id = ANY (ARRAY(SELECT value::bigint FROM jsonb_array_elements_text(${JSON.stringify(options.runIds)}::jsonb)))
            AND CASE WHEN status = 'running' THEN locked_by = ${options.workerId} ELSE false END
          RETURNING id`;
}
