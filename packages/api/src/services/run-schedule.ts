import { jobRuns, queryRows, type Service, sql, withTenant } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';

export type RunRequested = { jobId: string; service: Service; userId: number; runId: number };

export const jobIdOf = (runId: number): string => `job-${runId}`;

export const DEFAULT_RUN_NOW_PER_MINUTE = 10;
const RUN_NOW_WINDOW_MS = 60_000;
// Keys the per-user advisory lock under which a manual run is counted and queued.
const RUN_NOW_LOCK = 727_274_102;

/**
 * Queues a manual run. The partial unique index on (user_id, service) for queued and running runs makes
 * the database the judge of overlap: a second request while one is active is a 409 naming that job.
 * A user may queue at most `runNowPerMinute` manual runs a minute (each is a sync against a provider's
 * quota and a row of history); the count is of the user's own manual runs in the database, so it holds
 * across instances, and runs under a per-user advisory lock so parallel requests cannot all pass it.
 */
export async function runSchedule(deps: ApiDeps, userId: number, service: Service): Promise<RunRequested> {
  const now = deps.clock();
  const perMinute = deps.settings.runNowPerMinute ?? DEFAULT_RUN_NOW_PER_MINUTE;
  const outcome = await withTenant(deps.db, userId, async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${RUN_NOW_LOCK}, ${userId})`);
    const since = new Date(now.getTime() - RUN_NOW_WINDOW_MS);
    const [recent] = await queryRows<{ count: number; oldest: Date | string | null }>(
      tx,
      sql`SELECT count(*)::int AS count, min(scheduled_for) AS oldest FROM job_runs
          WHERE trigger = 'manual' AND scheduled_for > ${since}`,
    );
    if (recent && recent.count >= perMinute) {
      const oldest = recent.oldest ? new Date(recent.oldest).getTime() : now.getTime();
      const retryAfterSeconds = Math.max(1, Math.ceil((oldest + RUN_NOW_WINDOW_MS - now.getTime()) / 1000));
      throw new AppError('RATE_LIMITED', `At most ${perMinute} manual runs a minute; try again in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
        limit: perMinute,
      });
    }
    // The active run can finish between the insert and the look-up; then the insert is simply tried again.
    for (let tries = 0; tries < 3; tries++) {
      const inserted = await queryRows<{ id: string }>(
        tx,
        sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, max_attempts, run_after)
            VALUES (${userId}, ${service}, 'manual', ${now}, 'queued', ${deps.settings.maxAttempts}, ${now})
            ON CONFLICT (user_id, service) WHERE status IN ('queued', 'running') AND trigger <> 'backfill' DO NOTHING
            RETURNING id`,
      );
      if (inserted[0]) return { created: true as const, runId: Number(inserted[0].id) };
      const [active] = await tx
        .select({ id: jobRuns.id, status: jobRuns.status })
        .from(jobRuns)
        .where(
          sql`${jobRuns.service} = ${service} AND ${jobRuns.status} IN ('queued', 'running') AND ${jobRuns.trigger} <> 'backfill'`,
        );
      if (active) return { created: false as const, runId: active.id, status: active.status };
    }
    throw new AppError('CONFLICT', `${service} sync job could not be queued, try again`);
  });
  if (!outcome.created) {
    throw new AppError('RUN_ALREADY_ACTIVE', `A ${service} sync job is already ${outcome.status}`, {
      jobId: jobIdOf(outcome.runId),
      status: outcome.status,
    });
  }
  deps.events?.runQueued?.(outcome.runId);
  return { jobId: jobIdOf(outcome.runId), service, userId, runId: outcome.runId };
}
