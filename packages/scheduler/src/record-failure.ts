import { type SchedulerLog, SyncError } from './handlers/types.ts';
import { type ClaimedRun, failRun } from './run-queries.ts';
import type { WorkerOptions } from './worker.ts';

/**
 * Records a failed attempt: queued again later while attempts remain and the error is retryable, else
 * failed. A run whose lease was lost is another worker's now and is left alone.
 */
export async function recordFailure(
  options: WorkerOptions,
  run: ClaimedRun,
  error: unknown,
  durationMs: number,
  { fields, log }: { fields: Record<string, unknown>; log: SchedulerLog },
): Promise<void> {
  const sync = error instanceof SyncError ? error : undefined;
  if (sync?.options.errorClass === 'cancelled') {
    log.info({ ...fields, event: 'cancelled' }, 'backfill cancelled while its chunk ran; the chunk is discarded');
    return;
  }
  if (sync?.options.errorClass === 'LeaseLost') {
    log.warn({ ...fields, event: 'lease-expired' }, 'lease lost while running; another worker owns the run now');
    return;
  }
  // Unclassified errors (a bug, a network blip) are retried: a wasted retry costs less than a lost day of data.
  const retryable = sync ? sync.options.retryable : true;
  const errorClass = sync?.options.errorClass ?? (error instanceof Error ? error.name : 'Error');
  const message = error instanceof Error ? error.message : String(error);
  const now = options.clock.now();
  const retryAt = retryable ? new Date(now.getTime() + (sync?.options.retryAfterMs ?? options.retryDelayMs)) : null;
  // A refused credential is not tried again: every attempt would be refused the same way.
  const kind = sync?.options.kind;
  const refused = kind === 'needs_reauth' ? 'source' : kind === 'destination_needs_reauth' ? 'destination' : undefined;
  const { outcome, pausedScheduleId } = await failRun(options.db, {
    runId: run.id,
    workerId: options.workerId,
    now,
    durationMs,
    error: message,
    errorClass,
    retryAt: refused ? null : retryAt,
    refused,
    pauseAfterFailures: options.pauseAfterFailures,
  }).catch((dbError: unknown) => {
    log.error(
      { ...fields, event: 'failed', err: dbError },
      'could not record the failure; the lease will expire and the run be retried',
    );
    return { outcome: 'lost' as const, pausedScheduleId: undefined };
  });
  if (pausedScheduleId !== undefined) {
    log.warn({ ...fields, event: 'schedule-paused', scheduleId: pausedScheduleId, refused }, 'schedule paused');
    options.scheduleChanged?.(pausedScheduleId);
  }
  if (outcome === 'retry') {
    options.counters.runs.retried++;
    options.observer?.runFinished?.({ service: run.service, status: 'retried', durationMs });
    log.warn(
      { ...fields, event: 'retry-scheduled', errorClass, error: message, retryAt: retryAt?.toISOString() },
      'run failed; retry scheduled',
    );
  } else if (outcome === 'failed') {
    options.counters.runs.failed++;
    options.observer?.runFinished?.({ service: run.service, status: 'failed', durationMs });
    log.warn({ ...fields, event: 'failed', errorClass, error: message, retryable }, 'run failed');
  }
}
