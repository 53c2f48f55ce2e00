import { type Db, queryRows, type Service, sql, withService } from '@kpi/db';
import type { ClaimedRun } from '../run-queries.ts';
import { daysInRange, lastChunk, nextChunk } from './chunks.ts';

type ChunkRow = {
  id: string;
  user_id: number;
  service: Service;
  scheduled_for: Date;
  attempt: number;
  max_attempts: number;
  range_from: string;
  range_to: string;
  checkpoint: string | null;
  timezone: string | null;
};

/**
 * Takes up to `limit` queued backfills for their next chunk, leasing each to this worker. Called only
 * with the room the cron, manual and recovery runs left, so scheduled fires go first. A source with
 * another run running, or a fire queued and due, is passed over: a chunk never runs beside another run
 * of its source, and the fire takes the source first. Between users the order is round robin: every
 * chunk claim draws a turn number, and the user whose latest turn is oldest (none yet counts as oldest)
 * goes next, so many users' backfills take turns however many chunks or sources each has.
 */
export async function claimBackfillChunks(
  db: Db,
  options: { now: Date; limit: number; workerId: string; lockedUntil: Date },
): Promise<ClaimedRun[]> {
  if (options.limit <= 0) return [];
  const rows = await withService(db, (tx) =>
    queryRows<ChunkRow>(
      tx,
      sql`WITH picked AS (
            SELECT r.id FROM job_runs r
            WHERE r.status = 'queued' AND r.trigger = 'backfill' AND r.run_after <= ${options.now}
              AND NOT EXISTS (
                SELECT 1 FROM job_runs o
                WHERE o.user_id = r.user_id AND o.service = r.service AND o.trigger <> 'backfill'
                  AND (o.status = 'running' OR (o.status = 'queued' AND o.run_after <= ${options.now})))
            ORDER BY (SELECT max(b.chunk_turn) FROM job_runs b
                       WHERE b.user_id = r.user_id AND b.trigger = 'backfill' AND b.status IN ('queued', 'running'))
                       NULLS FIRST,
                     r.chunk_turn NULLS FIRST, r.id
            LIMIT ${options.limit}
            FOR UPDATE OF r SKIP LOCKED
          )
          UPDATE job_runs r
          SET status = 'running', attempt = r.attempt + 1, locked_by = ${options.workerId},
              locked_until = ${options.lockedUntil}, started_at = COALESCE(r.started_at, ${options.now}),
              chunk_turn = nextval('job_runs_chunk_turn_seq'), updated_at = ${options.now}
          FROM picked WHERE r.id = picked.id
          RETURNING r.id, r.user_id, r.service, r.scheduled_for, r.attempt, r.max_attempts,
            r.range_from::text AS range_from, r.range_to::text AS range_to, r.checkpoint::text AS checkpoint,
            (SELECT s.timezone FROM job_schedules s WHERE s.user_id = r.user_id AND s.service = r.service) AS timezone`,
    ),
  );
  return rows.map((row) => {
    const range = { from: row.range_from, to: row.range_to };
    // Checkpoint and status are written in one statement, so a queued backfill has days left; a row
    // edited to say otherwise gets its range's last chunk again, whose completion then ends it.
    const chunk = nextChunk(range, row.checkpoint) ?? lastChunk(range);
    return {
      id: Number(row.id),
      userId: row.user_id,
      service: row.service,
      trigger: 'backfill' as const,
      scheduledFor: new Date(row.scheduled_for),
      attempt: row.attempt,
      maxAttempts: row.max_attempts,
      timezone: row.timezone ?? 'UTC',
      range: chunk,
    };
  });
}

export type ChunkOutcome = { status: 'queued' | 'succeeded'; done: number; total: number } | 'not-ours';

/**
 * Commits one chunk: the checkpoint moves to the chunk's last day and the progress to the days done,
 * and the backfill is queued again for its next chunk (so it yields its worker slot, and a fire of the
 * same source can run in between) or, after its last chunk, succeeds. Each chunk gets its own attempts.
 * Written only while this worker holds the run: a cancelled or taken-back backfill is left alone.
 */
export async function completeBackfillChunk(
  db: Db,
  options: {
    runId: number;
    workerId: string;
    now: Date;
    durationMs: number;
    chunk: { from: string; to: string };
    result: unknown;
  },
): Promise<ChunkOutcome> {
  const rows = await withService(db, (tx) =>
    queryRows<{ status: 'queued' | 'succeeded'; progress_done: number; progress_total: number }>(
      tx,
      sql`UPDATE job_runs
          SET checkpoint = ${options.chunk.to}::date,
              progress_done = (${options.chunk.to}::date - range_from) + 1,
              status = CASE WHEN ${options.chunk.to}::date >= range_to THEN 'succeeded' ELSE 'queued' END,
              attempt = CASE WHEN ${options.chunk.to}::date >= range_to THEN attempt ELSE 0 END,
              finished_at = CASE WHEN ${options.chunk.to}::date >= range_to THEN ${options.now}::timestamptz END,
              run_after = ${options.now}, duration_ms = COALESCE(duration_ms, 0) + ${options.durationMs},
              result = jsonb_build_object('chunks', COALESCE((result ->> 'chunks')::int, 0) + 1,
                                          'last_chunk', ${JSON.stringify(options.result ?? null)}::jsonb),
              error = NULL, error_class = NULL, locked_by = NULL, locked_until = NULL, updated_at = ${options.now}
          WHERE id = ${options.runId} AND locked_by = ${options.workerId} AND status = 'running' AND trigger = 'backfill'
          RETURNING status, progress_done, progress_total`,
    ),
  );
  const row = rows[0];
  if (!row) return 'not-ours';
  return { status: row.status, done: row.progress_done, total: row.progress_total };
}

/** Days a chunk covers, for logs and counters. */
export const chunkDays = (chunk: { from: string; to: string }): number => daysInRange(chunk.from, chunk.to);
