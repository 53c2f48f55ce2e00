import { queryRows, type Service, sql, type Tx } from '@kpi/db';
import { SHEETS_DESTINATION, SOURCES } from '@kpi/sources';

/** Whose credential was refused: the source's, or the destination's (the Sheet). */
export type RefusedCredential = 'source' | 'destination' | undefined;

/** A run that failed for good, as the failing transaction knows it. */
export type FinalFailure = {
  runId: number;
  userId: number;
  service: Service;
  trigger: string;
  attempt: number;
  scheduledFor: Date;
  error: string;
  errorClass: string;
  /** A credential was refused: pause at once, and say what to reconnect. */
  refused: RefusedCredential;
  now: Date;
};

type StreakRow = {
  id: string;
  enabled: boolean;
  failure_streak: number;
  failing_since: Date | null;
  pause_after: number;
};

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

async function recordNotification(
  tx: Tx,
  event: { userId: number; service: Service; type: string; now: Date; payload: Record<string, unknown> },
): Promise<void> {
  await tx.execute(
    sql`SELECT kpi_record_notification(${event.userId}, ${event.service}, ${event.type}, ${JSON.stringify(event.payload)}::jsonb, ${event.now}::timestamptz)`,
  );
}

/**
 * In the transaction that failed a run for good: counts it into the source's failure streak, pauses the
 * schedule when the streak reaches its limit or the credential was refused, and records the events
 * (`run.failed`, `schedule.paused`, or `connection.needs_reauth` in place of both). Answers the id of
 * a schedule it paused, so this process's heap can forget it at once.
 */
export async function recordFinalFailure(
  tx: Tx,
  failure: FinalFailure,
  defaultPauseAfterFailures: number,
): Promise<number | undefined> {
  const { userId, service, now } = failure;
  const label = SOURCES[service].label;
  // A backfill is not a run of the schedule: failing for good it is told (run.failed) and a refused
  // credential pauses the source, but it does not count toward the schedule's run of failures.
  const counted = failure.trigger === 'backfill' ? 0 : 1;
  const [streak] = await queryRows<StreakRow>(
    tx,
    sql`UPDATE job_schedules SET failure_streak = failure_streak + ${counted}, failing_since = COALESCE(failing_since, ${now})
        WHERE user_id = ${userId} AND service = ${service}
        RETURNING id, enabled, failure_streak, failing_since, COALESCE(pause_after_failures, ${defaultPauseAfterFailures}) AS pause_after`,
  );
  // What refused the credential, in the user's words: the source itself, or the Sheet it writes to.
  const refuser = failure.refused === 'destination' ? `The ${SHEETS_DESTINATION.label}` : label;
  let pause: { cause: 'failures' | 'needs_reauth' | 'destination_reauth'; reason: string } | undefined;
  if (streak?.enabled && failure.refused) {
    pause = {
      cause: failure.refused === 'source' ? 'needs_reauth' : 'destination_reauth',
      reason: `${refuser} refused the saved credential (${failure.error}). Reconnect ${failure.refused === 'source' ? label : `the ${SHEETS_DESTINATION.label}`} to resume the ${label} sync.`,
    };
  } else if (counted && streak?.enabled && streak.pause_after > 0 && streak.failure_streak >= streak.pause_after) {
    pause = {
      cause: 'failures',
      reason: `Paused after ${streak.failure_streak} failed runs in a row; the last one said: ${failure.error}. Fix the cause, then resume the schedule.`,
    };
  }
  if (streak && pause) {
    await tx.execute(
      sql`UPDATE job_schedules SET enabled = false, next_run_at = NULL, paused_reason = ${pause.reason}, paused_at = ${now},
            paused_for = ${pause.cause}, updated_at = ${now}
          WHERE id = ${streak.id}`,
    );
  }
  const run = {
    id: failure.runId,
    status: 'failed',
    trigger: failure.trigger,
    attempt: failure.attempt,
    scheduled_for: failure.scheduledFor.toISOString(),
    finished_at: now.toISOString(),
    error: failure.error,
    error_class: failure.errorClass,
  };
  const schedule = streak
    ? {
        id: Number(streak.id),
        enabled: streak.enabled && !pause,
        failure_streak: streak.failure_streak,
        failing_since: iso(streak.failing_since),
        paused_reason: pause?.reason ?? null,
        paused_at: pause ? now.toISOString() : null,
      }
    : undefined;
  const base = { userId, service, now };
  if (failure.refused) {
    const paused = pause ? ` The ${label} sync is paused until you reconnect it.` : '';
    await recordNotification(tx, {
      ...base,
      type: 'connection.needs_reauth',
      payload: {
        message: `${refuser} refused the saved credential: ${failure.error}.${paused}`,
        run,
        ...(schedule ? { schedule } : {}),
        connection: { target: failure.refused === 'source' ? service : 'sheets', status: 'needs_reauth' },
      },
    });
    return pause && streak ? Number(streak.id) : undefined;
  }
  await recordNotification(tx, {
    ...base,
    type: 'run.failed',
    payload: {
      message: `The ${label} sync failed after ${failure.attempt} attempt${failure.attempt === 1 ? '' : 's'}: ${failure.error}`,
      run,
      ...(schedule ? { schedule } : {}),
    },
  });
  if (pause && schedule) {
    await recordNotification(tx, {
      ...base,
      type: 'schedule.paused',
      payload: { message: `The ${label} sync was paused. ${pause.reason}`, run, schedule },
    });
  }
  return pause && streak ? Number(streak.id) : undefined;
}
