import type { SchedulerLog } from '../handlers/types.ts';
import type { ClaimedRun } from '../run-queries.ts';
import type { WorkerOptions } from '../worker.ts';
import { chunkDays, completeBackfillChunk } from './queries.ts';

/**
 * Commits a backfill chunk (checkpoint, progress) and queues the backfill for its next chunk, then
 * counts it. A failed write leaves the run to its lease: it expires and the chunk is done again from the
 * last checkpoint. A backfill cancelled or taken back meanwhile is not ours: the chunk is discarded.
 */
export async function recordChunk(
  options: WorkerOptions,
  run: ClaimedRun,
  chunk: { from: string; to: string },
  done: { durationMs: number; result: unknown },
  { fields, log }: { fields: Record<string, unknown>; log: SchedulerLog },
): Promise<void> {
  const { counters, observer } = options;
  const outcome = await completeBackfillChunk(options.db, {
    runId: run.id,
    workerId: options.workerId,
    now: options.clock.now(),
    durationMs: done.durationMs,
    chunk,
    result: done.result,
  }).catch((error: unknown) => {
    log.error({ ...fields, event: 'chunk-unrecorded', err: error }, 'could not record the chunk; it runs again after the lease');
    return 'unrecorded' as const;
  });
  if (outcome === 'unrecorded') return;
  if (outcome === 'not-ours') {
    log.warn({ ...fields, event: 'lease-expired' }, 'chunk finished after the backfill was cancelled or taken back; discarded');
    return;
  }
  const days = chunkDays(chunk);
  counters.backfill.chunks++;
  counters.backfill.days += days;
  observer?.backfillChunk?.({ service: run.service, days, durationMs: done.durationMs });
  log.info({ ...fields, event: 'chunk-done', done: outcome.done, total: outcome.total }, 'backfill chunk done');
  if (outcome.status === 'succeeded') {
    counters.runs.succeeded++;
    counters.backfill.completed++;
    observer?.runFinished?.({ service: run.service, status: 'succeeded', durationMs: done.durationMs });
    log.info({ ...fields, event: 'succeeded' }, 'backfill finished');
  }
}
