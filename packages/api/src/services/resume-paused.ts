import { computeNextRun } from '@kpi/cron';
import { and, eq, jobSchedules, type PauseCause, type Service, type Tx } from '@kpi/db';

/**
 * In the transaction that saves a new credential: re-enables exactly the user's schedules the engine
 * paused because the old one was refused (`needs_reauth` of one source; `destination_reauth`, of any
 * source, for the Sheet), each with its next fire from now. Answers their ids, for the scheduler. The
 * pause count starts again; `failing_since` is kept, so the next success reports run.recovered. The
 * run's lookback fetches the days missed meanwhile.
 */
export async function resumeSchedulesPausedFor(
  tx: Tx,
  cause: Exclude<PauseCause, 'failures'>,
  now: Date,
  service?: Service,
): Promise<number[]> {
  const paused = await tx
    .select({ id: jobSchedules.id, cron: jobSchedules.cronExpression, timezone: jobSchedules.timezone })
    .from(jobSchedules)
    .where(and(eq(jobSchedules.pausedFor, cause), service ? eq(jobSchedules.service, service) : undefined))
    .for('update');
  for (const schedule of paused) {
    await tx
      .update(jobSchedules)
      .set({
        enabled: true,
        nextRunAt: computeNextRun(schedule.cron, schedule.timezone, now),
        pausedReason: null,
        pausedAt: null,
        pausedFor: null,
        failureStreak: 0,
        updatedAt: now,
      })
      .where(eq(jobSchedules.id, schedule.id));
  }
  return paused.map((schedule) => schedule.id);
}
