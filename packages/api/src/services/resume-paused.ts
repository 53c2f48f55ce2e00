import { computeNextRun } from '@kpi/cron';
import { and, eq, jobSchedules, type Service, type Tx } from '@kpi/db';

/**
 * In the transaction that saves a new credential for a source: re-enables exactly the user's schedules
 * the engine paused because the source refused the old one, each with its next fire from now. Answers
 * their ids, for the scheduler. The pause count starts again; `failing_since` is kept, so the next
 * success reports run.recovered. The run's lookback fetches the days missed meanwhile.
 */
export async function resumeSchedulesPausedForReauth(tx: Tx, service: Service, now: Date): Promise<number[]> {
  const paused = await tx
    .select({ id: jobSchedules.id, cron: jobSchedules.cronExpression, timezone: jobSchedules.timezone })
    .from(jobSchedules)
    .where(and(eq(jobSchedules.service, service), eq(jobSchedules.pausedFor, 'needs_reauth')))
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
