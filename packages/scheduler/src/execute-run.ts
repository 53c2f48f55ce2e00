import { performance } from 'node:perf_hooks';
import { abortable, ShutdownAbort } from './abortable.ts';
import { recordChunk } from './backfill/record-chunk.ts';
import type { CompletionBatch, CompletionOutcome } from './completion-batch.ts';
import { SyncError } from './handlers/types.ts';
import { recordFailure } from './record-failure.ts';
import type { ClaimedRun } from './run-queries.ts';
import type { WorkerOptions } from './worker.ts';

export type RunDeps = {
  options: WorkerOptions;
  /** Where a success is written, batched with the worker's other successes. */
  completions: CompletionBatch;
  /** True once the worker is stopping: a handler aborted for shutdown is released, not failed. */
  stopped: () => boolean;
};

/**
 * One claimed run, start to outcome: logs it, runs its handler under the run timeout, and records what
 * happened (a success into the completion batch, a backfill chunk's days, or a failure and its retry).
 * `free` gives the worker its slot back as soon as the handler has settled, before the outcome is written.
 */
export async function executeRun(deps: RunDeps, run: ClaimedRun, controller: AbortController, free: () => void): Promise<void> {
  const { options, completions } = deps;
  const { clock, db, counters } = options;
  const log = options.log.child?.({ runId: run.id, userId: run.userId, service: run.service }) ?? options.log;
  const fields = {
    event: 'claimed',
    runId: run.id,
    userId: run.userId,
    service: run.service,
    trigger: run.trigger,
    attempt: run.attempt,
    ...(run.range ? { range: run.range } : {}),
  };
  log.info({ ...fields, scheduledFor: run.scheduledFor.toISOString() }, 'run claimed');
  counters.runs.started++;
  log.info({ ...fields, event: 'started' }, 'run started');
  const startedAt = performance.now();
  const startedAtDate = clock.now();
  const timeout = clock.setTimer(
    () =>
      controller.abort(new SyncError(`run exceeded ${options.runTimeoutMs / 1000}s`, { retryable: true, errorClass: 'Timeout' })),
    options.runTimeoutMs,
  );
  try {
    let result: unknown;
    try {
      const handler = options.handlers.get(run.service);
      if (!handler) throw new SyncError(`no sync handler for ${run.service}`, { retryable: false, errorClass: 'NoHandler' });
      result = await abortable(handler.run({ ...run, runId: run.id, signal: controller.signal, log, db }), controller.signal);
    } catch (error) {
      if (deps.stopped() && error instanceof ShutdownAbort) return; // released by stop()
      await recordFailure(options, run, error, Math.round(performance.now() - startedAt), { fields, log });
      return;
    }
    const durationMs = Math.round(performance.now() - startedAt);
    free();
    if (run.range) {
      await recordChunk(options, run, run.range, { durationMs, result }, { fields, log });
      return;
    }
    const outcome: CompletionOutcome = await completions.complete(
      { runId: run.id, durationMs, result, startedAt: startedAtDate },
      controller.signal,
      log,
      fields,
    );
    if (outcome === 'recorded') {
      counters.runs.succeeded++;
      options.observer?.runFinished?.({ service: run.service, status: 'succeeded', durationMs });
      log.info({ ...fields, event: 'succeeded', durationMs }, 'run succeeded');
    } else if (outcome === 'not-ours') {
      log.warn(
        { ...fields, event: 'lease-expired', durationMs },
        'run finished after its lease was taken back (or an earlier attempt to record it did commit); outcome discarded',
      );
    }
  } finally {
    timeout.cancel();
  }
}
