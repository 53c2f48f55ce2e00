import type { Db } from '@kpi/db';
import type { Clock, TimerHandle } from './clock.ts';
import type { SchedulerLog } from './handlers/types.ts';
import { completeRuns, type Finished, renewLeases } from './run-batch-queries.ts';

export type CompletionOutcome = 'recorded' | 'not-ours' | 'unrecorded';

type Pending = {
  finished: Finished;
  signal: AbortSignal;
  log: SchedulerLog;
  fields: Record<string, unknown>;
  resolve: (outcome: CompletionOutcome) => void;
};

/** Most rows one completion statement carries: a few tens of KB of JSON, well under a second's work. */
const MAX_BATCH = 500;

/**
 * Writes finished runs together: whatever finished while the previous write was in flight goes in the
 * next one (group commit), so a busy worker spends one round trip on many runs and an idle one adds no
 * delay. A run stays `running` under this worker's renewed lease until its row is written, so a process
 * that dies between finishing and writing loses nothing: the lease expires and the run is retried, as
 * when it dies mid-run.
 */
export class CompletionBatch {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly options: { db: Db; clock: Clock; workerId: string }) {}

  /** Resolves once the success is written ('recorded'), found taken back ('not-ours'), or given up on. */
  complete(
    finished: Finished,
    signal: AbortSignal,
    log: SchedulerLog,
    fields: Record<string, unknown>,
  ): Promise<CompletionOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ finished, signal, log, fields, resolve });
      if (!this.flushing) {
        this.flushing = true;
        // setImmediate, not a microtask: handlers that settle in the same turn share the statement.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    let attempt = 0;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const recorded = await completeRuns(this.options.db, {
            workerId: this.options.workerId,
            now: this.options.clock.now(),
            finished: batch.map((p) => p.finished),
          });
          attempt = 0;
          for (const p of batch) p.resolve(recorded.has(p.finished.runId) ? 'recorded' : 'not-ours');
        } catch (error) {
          // The work is done, so a database error must not count as a failure of the run (that would
          // queue a retry and run the handler again): write again, under the renewed lease, until it
          // lands, or the run is aborted (timeout, lease lost, shutdown) and the lease decides.
          attempt++;
          const again: Pending[] = [];
          for (const p of batch) {
            if (p.signal.aborted) {
              p.log.error(
                { ...p.fields, event: 'complete-failed', err: error },
                'could not record the success; the lease will expire and the run be retried',
              );
              p.resolve('unrecorded');
            } else {
              p.log.warn(
                { ...p.fields, event: 'complete-retry', attempt, err: error },
                'could not record the success yet; trying again',
              );
              again.push(p);
            }
          }
          this.queue.unshift(...again);
          if (again.length > 0) {
            const wait = Math.min(200 * 2 ** (attempt - 1), 2_000);
            await new Promise<void>((resolve) => this.options.clock.setTimer(resolve, wait));
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

/**
 * Renews, every third of the lease, the leases of every run this instance holds, in one statement. A run
 * the answer leaves out was taken back: `lost` is told, and its handler is stopped. A failed renewal
 * changes nothing (the leases still run for two thirds of their length): the next pass tries again.
 */
export class LeaseRenewer {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly options: {
      db: Db;
      clock: Clock;
      workerId: string;
      leaseMs: number;
      held: () => number[];
      lost: (runId: number) => void;
    },
  ) {}

  /** Arms the timer if it is not armed; a no-op while one is pending. */
  ensure(): void {
    if (this.timer || this.stopped) return;
    this.timer = this.options.clock.setTimer(() => void this.renew(), this.options.leaseMs / 3);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private async renew(): Promise<void> {
    const ids = this.options.held();
    if (ids.length > 0) {
      const lockedUntil = new Date(this.options.clock.now().getTime() + this.options.leaseMs);
      const held = await renewLeases(this.options.db, { workerId: this.options.workerId, runIds: ids, lockedUntil }).catch(
        () => undefined,
      );
      if (held) for (const id of ids) if (!held.has(id)) this.options.lost(id);
    }
    this.timer = undefined;
    if (this.options.held().length > 0) this.ensure();
  }
}
