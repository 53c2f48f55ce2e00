import { type Db, queryRows, serviceQuery, sql, withService } from '@kpi/db';
import { recordRecoveries } from './run-outcome-events.ts';

/** `startedAt`: when the handler started, which for a run that waited in the local queue is after its claim. */
export type Finished = { runId: number; durationMs: number; result: unknown; startedAt: Date };

// HELD_BY_KEY: "this worker still holds the run" is written as a CASE in the statements below so that
// the rows are reached by primary key. As plain `status = 'running' AND locked_by = ...` the planner may
// read them through the partial lease index, which between two vacuums keeps an entry for every run
// ever leased: on a stale estimate of one running row it chose that index and a nested loop over the
// batch, and a 500-row completion that takes 15 ms by key took 300-750 ms after a few rounds of 6,000
// runs. A CASE cannot match the index's predicate, so the key is the only index left.

/**
 * Records many successes in one statement. Each row is written only if this worker still holds the run
 * (as for a single completion), so a run taken back meanwhile stays its new owner's; the same
 * transaction ends the failure streaks the successes end (`run.recovered`). Answers the ids that were
 * recorded; the others were not ours any more.
 */
export async function completeRuns(db: Db, options: { workerId: string; now: Date; finished: Finished[] }): Promise<Set<number>> {
  if (options.finished.length === 0) return new Set();
  const values = options.finished.map((f) => ({
    id: f.runId,
    duration_ms: f.durationMs,
    result: f.result ?? null,
    started_at: f.startedAt.toISOString(),
  }));
  const rows = await withService(db, async (tx) => {
    const recorded = await queryRows<{ id: string }>(
      tx,
      sql`UPDATE job_runs r
          SET status = 'succeeded', started_at = v.started_at, finished_at = ${options.now}, duration_ms = v.duration_ms, result = v.result,
              error = NULL, error_class = NULL, locked_by = NULL, locked_until = NULL, updated_at = ${options.now}
          FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS v(id bigint, duration_ms integer, result jsonb, started_at timestamptz)
          -- "Still ours", inside a CASE so the planner reaches the rows by key (see HELD_BY_KEY).
          WHERE r.id = v.id AND CASE WHEN r.status = 'running' THEN r.locked_by = ${options.workerId} ELSE false END
          RETURNING r.id`,
    );
    await recordRecoveries(
      tx,
      recorded.map((row) => Number(row.id)),
      options.now,
    );
    return recorded;
  });
  return new Set(rows.map((row) => Number(row.id)));
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
  const rows = await serviceQuery<{ id: string }>(
    db,
    'kpi_renew_leases',
    // By key, as completeRuns (HELD_BY_KEY).
    sql`UPDATE job_runs SET locked_until = ${options.lockedUntil}
          WHERE id = ANY (ARRAY(SELECT value::bigint FROM jsonb_array_elements_text(${JSON.stringify(options.runIds)}::jsonb)))
            AND CASE WHEN status = 'running' THEN locked_by = ${options.workerId} ELSE false END
          RETURNING id`,
  );
  return new Set(rows.map((row) => Number(row.id)));
}
