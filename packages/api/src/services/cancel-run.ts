import { and, eq, inArray, jobRuns, withTenant } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { type RunJson, toRunJson } from './run-json.ts';
import { jobIdOf } from './run-schedule.ts';

/**
 * Cancels one of the caller's backfills that is queued or running. It ends `failed` with error_class
 * `cancelled` (the days already fetched stay); a chunk running in this process is stopped at once, one
 * running elsewhere when that instance next renews its lease, and its outcome is discarded. Runs as the
 * tenant: row-level security lets a user cancel only their own active backfills.
 */
export async function cancelRun(deps: ApiDeps, userId: number, id: number): Promise<RunJson> {
  const now = deps.clock();
  const outcome = await withTenant(deps.db, userId, async (tx) => {
    const [cancelled] = await tx
      .update(jobRuns)
      .set({
        status: 'failed',
        error: 'cancelled by the user',
        errorClass: 'cancelled',
        finishedAt: now,
        lockedBy: null,
        lockedUntil: null,
        updatedAt: now,
      })
      .where(and(eq(jobRuns.id, id), eq(jobRuns.trigger, 'backfill'), inArray(jobRuns.status, ['queued', 'running'])))
      .returning();
    if (cancelled) return { cancelled };
    const [existing] = await tx.select({ id: jobRuns.id }).from(jobRuns).where(eq(jobRuns.id, id));
    return { existing };
  });
  if ('cancelled' in outcome && outcome.cancelled) {
    deps.events?.runCancelled?.(id);
    deps.log.info({ event: 'backfill-cancelled', userId, runId: id }, 'backfill cancelled');
    return toRunJson(outcome.cancelled);
  }
  if (!('existing' in outcome) || !outcome.existing) throw new AppError('NOT_FOUND', `Run ${id} not found`);
  throw new AppError('CONFLICT', `Run ${id} is not an active backfill: only a queued or running backfill can be cancelled`, {
    jobId: jobIdOf(id),
  });
}
