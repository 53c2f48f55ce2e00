import { performance } from 'node:perf_hooks';
import type { Db } from '@kpi/db';
import type { Clock, TimerHandle } from './clock.ts';
import { type HandlerRegistry, type SchedulerLog, SyncError } from './handlers/types.ts';
import { type ClaimedRun, claimQueuedRuns, completeRun, failRun, releaseRuns, renewLease } from './run-queries.ts';
import type { emptyCounters, SchedulerObserver } from './stats.ts';

export type WorkerOptions = {
  db: Db;
  clock: Clock;
  log: SchedulerLog;
  handlers: HandlerRegistry;
  workerId: string;
  concurrency: number;
  leaseMs: number;
  retryDelayMs: number;
  runTimeoutMs: number;
  counters: ReturnType<typeof emptyCounters>;
  observer?: SchedulerObserver;
};

type Active = { run: ClaimedRun; controller: AbortController; done: Promise<void> };

/** Takes queued runs (bounded concurrency), runs their handler under a renewed lease, records the outcome. */
export class Worker {
  private readonly active = new Map<number, Active>();
  private pumping = false;
  private pumpDone: Promise<void> = Promise.resolve();
  /** Runs claimed by a pump that was in flight when stop() began: handed straight back, never started. */
  private readonly lateClaims: number[] = [];
  private pumpAgain = false;
  private stopped = false;

  constructor(private readonly options: WorkerOptions) {}

  get running(): number {
    return this.active.size;
  }

  /** Resolves once the current pump and every running handler have finished. */
  async idle(): Promise<void> {
    while (this.pumping || this.active.size > 0) {
      await Promise.all([...this.active.values()].map((a) => a.done));
      if (this.pumping) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Claims as many due runs as there are free slots; safe to call often (calls coalesce). */
  async pump(): Promise<void> {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    let finish: () => void = () => undefined;
    this.pumpDone = new Promise((resolve) => {
      finish = resolve;
    });
    try {
      do {
        this.pumpAgain = false;
        while (!this.stopped && this.active.size < this.options.concurrency) {
          const now = this.options.clock.now();
          const { runs, skipped } = await claimQueuedRuns(this.options.db, {
            now,
            limit: this.options.concurrency - this.active.size,
            workerId: this.options.workerId,
            lockedUntil: new Date(now.getTime() + this.options.leaseMs),
          });
          if (skipped > 0) this.options.counters.runs.skipped += skipped;
          if (runs.length === 0 && skipped === 0) break;
          for (const run of runs) {
            if (this.stopped) this.lateClaims.push(run.id);
            else this.start(run);
          }
        }
      } while (this.pumpAgain && !this.stopped);
    } catch (error) {
      this.options.log.warn({ event: 'claim-failed', err: error }, 'could not claim queued runs; will retry');
    } finally {
      this.pumping = false;
      finish();
    }
  }

  private start(run: ClaimedRun): void {
    const controller = new AbortController();
    const active: Active = { run, controller, done: Promise.resolve() };
    this.active.set(run.id, active);
    active.done = this.execute(run, controller).finally(() => {
      this.active.delete(run.id);
      void this.pump();
    });
  }

  private async execute(run: ClaimedRun, controller: AbortController): Promise<void> {
    const { clock, db, workerId, counters } = this.options;
    const log = this.options.log.child?.({ runId: run.id, userId: run.userId, service: run.service }) ?? this.options.log;
    const fields = {
      event: 'claimed',
      runId: run.id,
      userId: run.userId,
      service: run.service,
      trigger: run.trigger,
      attempt: run.attempt,
    };
    log.info({ ...fields, scheduledFor: run.scheduledFor.toISOString() }, 'run claimed');
    counters.runs.started++;
    log.info({ ...fields, event: 'started' }, 'run started');
    const startedAt = performance.now();
    let renewTimer: TimerHandle | undefined;
    const renew = () => {
      renewTimer = clock.setTimer(async () => {
        const until = new Date(clock.now().getTime() + this.options.leaseMs);
        const held = await renewLease(db, { runId: run.id, workerId, lockedUntil: until }).catch(() => true);
        if (!held) controller.abort(new SyncError('lease lost to another worker', { retryable: false, errorClass: 'LeaseLost' }));
        else if (!controller.signal.aborted) renew();
      }, this.options.leaseMs / 3);
    };
    renew();
    const timeout = clock.setTimer(
      () =>
        controller.abort(
          new SyncError(`run exceeded ${this.options.runTimeoutMs / 1000}s`, { retryable: true, errorClass: 'Timeout' }),
        ),
      this.options.runTimeoutMs,
    );
    try {
      let result: unknown;
      try {
        const handler = this.options.handlers.get(run.service);
        if (!handler) throw new SyncError(`no sync handler for ${run.service}`, { retryable: false, errorClass: 'NoHandler' });
        result = await abortable(handler.run({ ...run, runId: run.id, signal: controller.signal, log, db }), controller.signal);
      } catch (error) {
        await this.recordFailure(run, error, Math.round(performance.now() - startedAt), fields, log);
        return;
      }
      const durationMs = Math.round(performance.now() - startedAt);
      const outcome = await this.recordSuccess(run, durationMs, result, controller.signal, fields, log);
      if (outcome === 'recorded') {
        counters.runs.succeeded++;
        this.options.observer?.runFinished?.({ service: run.service, status: 'succeeded', durationMs });
        log.info({ ...fields, event: 'succeeded', durationMs }, 'run succeeded');
      } else if (outcome === 'not-ours') {
        log.warn(
          { ...fields, event: 'lease-expired', durationMs },
          'run finished after its lease was taken back (or an earlier attempt to record it did commit); outcome discarded',
        );
      }
    } finally {
      renewTimer?.cancel();
      timeout.cancel();
    }
  }

  /**
   * Records a finished handler's success. The work is done, so a database error here must not count as
   * a failure of the run (that would queue a retry and run the handler a second time): the update is
   * tried again, while the lease is renewed, until it lands, the run turns out not to be ours any more,
   * or the run is aborted (timeout, lease lost, shutdown), in which case the lease decides.
   */
  private async recordSuccess(
    run: ClaimedRun,
    durationMs: number,
    result: unknown,
    signal: AbortSignal,
    fields: Record<string, unknown>,
    log: SchedulerLog,
  ): Promise<'recorded' | 'not-ours' | 'unrecorded'> {
    const { clock, db, workerId } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        const done = await completeRun(db, { runId: run.id, workerId, now: clock.now(), durationMs, result });
        return done ? 'recorded' : 'not-ours';
      } catch (error) {
        if (signal.aborted) {
          log.error(
            { ...fields, event: 'complete-failed', err: error },
            'could not record the success; the lease will expire and the run be retried',
          );
          return 'unrecorded';
        }
        log.warn({ ...fields, event: 'complete-retry', attempt, err: error }, 'could not record the success yet; trying again');
        await new Promise<void>((resolve) => clock.setTimer(resolve, Math.min(200 * 2 ** (attempt - 1), 2_000)));
      }
    }
  }

  private async recordFailure(
    run: ClaimedRun,
    error: unknown,
    durationMs: number,
    fields: Record<string, unknown>,
    log: SchedulerLog,
  ): Promise<void> {
    if (this.stopped && error instanceof ShutdownAbort) return; // released by stop()
    const sync = error instanceof SyncError ? error : undefined;
    if (sync?.options.errorClass === 'LeaseLost') {
      log.warn({ ...fields, event: 'lease-expired' }, 'lease lost while running; another worker owns the run now');
      return;
    }
    // Unclassified errors (a bug, a network blip) are retried: a wasted retry costs less than a lost day of data.
    const retryable = sync ? sync.options.retryable : true;
    const errorClass = sync?.options.errorClass ?? (error instanceof Error ? error.name : 'Error');
    const message = error instanceof Error ? error.message : String(error);
    const now = this.options.clock.now();
    const retryAt = retryable ? new Date(now.getTime() + (sync?.options.retryAfterMs ?? this.options.retryDelayMs)) : null;
    const outcome = await failRun(this.options.db, {
      runId: run.id,
      workerId: this.options.workerId,
      now,
      durationMs,
      error: message,
      errorClass,
      retryAt,
    }).catch((dbError: unknown) => {
      log.error(
        { ...fields, event: 'failed', err: dbError },
        'could not record the failure; the lease will expire and the run be retried',
      );
      return 'lost' as const;
    });
    if (outcome === 'retry') {
      this.options.counters.runs.retried++;
      this.options.observer?.runFinished?.({ service: run.service, status: 'retried', durationMs });
      log.warn(
        { ...fields, event: 'retry-scheduled', errorClass, error: message, retryAt: retryAt?.toISOString() },
        'run failed; retry scheduled',
      );
    } else if (outcome === 'failed') {
      this.options.counters.runs.failed++;
      this.options.observer?.runFinished?.({ service: run.service, status: 'failed', durationMs });
      log.warn({ ...fields, event: 'failed', errorClass, error: message, retryable }, 'run failed');
    }
  }

  /** Stops claiming, waits up to `graceMs` for running handlers, then aborts and releases the rest. */
  async stop(graceMs: number): Promise<{ finished: number; released: number }> {
    this.stopped = true;
    // A claim already sent may still come back with runs: wait for it, so none is started or forgotten.
    await this.pumpDone;
    const pending = [...this.active.values()];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    await Promise.race([Promise.all(pending.map((a) => a.done)), timedOut]);
    clearTimeout(timer);
    const left = [...this.active.values()];
    for (const a of left) a.controller.abort(new ShutdownAbort());
    const released = await releaseRuns(this.options.db, {
      workerId: this.options.workerId,
      runIds: [...left.map((a) => a.run.id), ...this.lateClaims.splice(0)],
      now: this.options.clock.now(),
    }).catch(() => 0);
    this.options.counters.runs.released += released;
    return { finished: pending.length - left.length, released };
  }
}

class ShutdownAbort extends Error {
  override readonly name = 'ShutdownAbort';
}

/** Settles with the handler, or rejects as soon as the signal aborts (a handler that ignores it is abandoned). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
