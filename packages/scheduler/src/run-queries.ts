import { type Db, queryRows, type RunTrigger, type Service, serviceQuery, sql, withService } from '@kpi/db';
import { type RefusedCredential, recordFinalFailure } from './run-outcome-events.ts';

export type ClaimedRun = {
  id: number;
  userId: number;
  service: Service;
  trigger: RunTrigger;
  scheduledFor: Date;
  attempt: number;
  maxAttempts: number;
  /** A backfill's chunk: the days this claim works on. */
  range?: { from: string; to: string };
};

type ClaimedRow = {
  id: string;
  user_id: number;
  service: Service;
  trigger: RunTrigger;
  scheduled_for: Date;
  attempt: number;
  max_attempts: number;
};

/**
 * Takes up to `limit` queued runs that are due, leasing each to this worker until `lockedUntil`.
 * Cron and recovery runs of a schedule that was disabled while they waited are not run: they are
 * closed as skipped in the same statement (a manual run always runs: someone asked for it).
 * Backfills are claimed chunk by chunk elsewhere (backfill/queries.ts); a run whose source has a
 * backfill chunk running waits for that chunk to end, which is at most one chunk's fetch.
 */
export async function claimQueuedRuns(
  db: Db,
  options: { now: Date; limit: number; workerId: string; lockedUntil: Date },
): Promise<{ runs: ClaimedRun[]; skipped: number }> {
  // One statement, atomic by itself: no transaction, a named (prepared) statement on the service pool.
  // The statement is kpi_claim_queued_runs (drizzle/0015_claim_plan.sql): a function only to carry the
  // planner settings that keep it walking the queue index however stale the statistics are.
  const rows = await serviceQuery<ClaimedRow & { status: string }>(
    db,
    'kpi_claim_queued_runs',
    sql`SELECT id, status, user_id, service, trigger, scheduled_for, attempt, max_attempts
          FROM kpi_claim_queued_runs(${options.now}::timestamptz, ${options.limit}::integer, ${options.workerId}::text, ${options.lockedUntil}::timestamptz)`,
  );
  const runs = rows
    .filter((row) => row.status === 'running')
    .map((row) => ({
      id: Number(row.id),
      userId: row.user_id,
      service: row.service,
      trigger: row.trigger,
      scheduledFor: new Date(row.scheduled_for),
      attempt: row.attempt,
      maxAttempts: row.max_attempts,
    }));
  return { runs, skipped: rows.length - runs.length };
}

/**
 * Records a failed attempt: queued again at `retryAt` while attempts remain and the error is retryable,
 * else failed for good, and then, in the same transaction, counted into the source's failure streak
 * with its events and any pause. Answers what happened ('lost' if the run was no longer this worker's)
 * and the schedule the failure paused.
 */
export async function failRun(
  db: Db,
  options: {
    runId: number;
    workerId: string;
    now: Date;
    durationMs: number;
    error: string;
    errorClass: string;
    retryAt: Date | null;
    refused: RefusedCredential;
    pauseAfterFailures: number;
  },
): Promise<{ outcome: 'retry' | 'failed' | 'lost'; pausedScheduleId?: number }> {
  return withService(db, async (tx) => {
    const rows = await queryRows<{
      status: 'queued' | 'failed';
      user_id: number;
      service: Service;
      trigger: RunTrigger;
      attempt: number;
      scheduled_for: Date;
    }>(
      tx,
      sql`UPDATE job_runs
          SET status = CASE WHEN ${options.retryAt !== null} AND attempt < max_attempts THEN 'queued' ELSE 'failed' END,
              run_after = COALESCE(${options.retryAt}::timestamptz, run_after),
              finished_at = CASE WHEN ${options.retryAt !== null} AND attempt < max_attempts THEN NULL ELSE ${options.now}::timestamptz END,
              duration_ms = ${options.durationMs}, error = ${options.error.slice(0, 2000)}, error_class = ${options.errorClass.slice(0, 100)},
              locked_by = NULL, locked_until = NULL, updated_at = ${options.now}
          WHERE id = ${options.runId} AND locked_by = ${options.workerId} AND status = 'running'
          RETURNING status, user_id, service, trigger, attempt, scheduled_for`,
    );
    const row = rows[0];
    if (!row) return { outcome: 'lost' as const };
    if (row.status === 'queued') return { outcome: 'retry' as const };
    const pausedScheduleId = await recordFinalFailure(
      tx,
      {
        runId: options.runId,
        userId: row.user_id,
        service: row.service,
        trigger: row.trigger,
        attempt: row.attempt,
        scheduledFor: new Date(row.scheduled_for),
        error: options.error.slice(0, 2000),
        errorClass: options.errorClass,
        refused: options.refused,
        now: options.now,
      },
      options.pauseAfterFailures,
    );
    return { outcome: 'failed' as const, ...(pausedScheduleId !== undefined ? { pausedScheduleId } : {}) };
  });
}

export type TakenBack = {
  id: number;
  userId: number;
  service: Service;
  status: 'queued' | 'failed';
  lockedBy: string | null;
  /** The schedule this run's final failure paused. */
  pausedScheduleId?: number;
};

/**
 * Takes back runs whose lease expired (their worker died or hung). The lost attempt counts as failed;
 * with attempts left the run is queued again at once, since the lease already made it wait. A run with
 * none left fails for good, with its events, in the same transaction.
 */
export async function takeBackExpiredLeases(db: Db, now: Date, pauseAfterFailures: number): Promise<TakenBack[]> {
  return withService(db, async (tx) => {
    const rows = await queryRows<{
      id: string;
      user_id: number;
      service: Service;
      status: 'queued' | 'failed';
      previous_owner: string | null;
      trigger: RunTrigger;
      attempt: number;
      scheduled_for: Date;
      error: string;
    }>(
      tx,
      sql`WITH expired AS (
            SELECT id, locked_by FROM job_runs
            WHERE status = 'running' AND locked_until < ${now}
            FOR UPDATE SKIP LOCKED
          )
          UPDATE job_runs r
          SET status = CASE WHEN r.attempt < r.max_attempts THEN 'queued' ELSE 'failed' END,
              run_after = ${now}, finished_at = CASE WHEN r.attempt < r.max_attempts THEN NULL ELSE ${now}::timestamptz END,
              error = 'lease expired: the worker stopped renewing it (crashed or hung)', error_class = 'LeaseExpired',
              locked_by = NULL, locked_until = NULL, updated_at = ${now}
          FROM expired WHERE r.id = expired.id
          RETURNING r.id, r.user_id, r.service, r.status, expired.locked_by AS previous_owner, r.trigger, r.attempt,
            r.scheduled_for, r.error`,
    );
    const taken: TakenBack[] = [];
    for (const row of rows) {
      const pausedScheduleId =
        row.status === 'failed'
          ? await recordFinalFailure(
              tx,
              {
                runId: Number(row.id),
                userId: row.user_id,
                service: row.service,
                trigger: row.trigger,
                attempt: row.attempt,
                scheduledFor: new Date(row.scheduled_for),
                error: row.error,
                errorClass: 'LeaseExpired',
                refused: undefined,
                now,
              },
              pauseAfterFailures,
            )
          : undefined;
      taken.push({
        id: Number(row.id),
        userId: row.user_id,
        service: row.service,
        status: row.status,
        lockedBy: row.previous_owner,
        ...(pausedScheduleId !== undefined ? { pausedScheduleId } : {}),
      });
    }
    return taken;
  });
}

/** On shutdown, hands unfinished runs back to the queue; the interrupted attempt does not count. */
export async function releaseRuns(db: Db, options: { workerId: string; runIds: number[]; now: Date }): Promise<number> {
  if (options.runIds.length === 0) return 0;
  const rows = await withService(db, (tx) =>
    queryRows(
      tx,
      sql`UPDATE job_runs
          SET status = 'queued', attempt = GREATEST(attempt - 1, 0), run_after = ${options.now},
              locked_by = NULL, locked_until = NULL, started_at = NULL, updated_at = ${options.now}
          WHERE locked_by = ${options.workerId} AND status = 'running'
            AND id IN (SELECT value::bigint FROM jsonb_array_elements_text(${JSON.stringify(options.runIds)}::jsonb))
          RETURNING id`,
    ),
  );
  return rows.length;
}
