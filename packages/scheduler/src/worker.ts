import type { Db } from '@kpi/db';
import { ShutdownAbort } from './abortable.ts';
import { claimBackfillChunks } from './backfill/queries.ts';
import type { Clock } from './clock.ts';
import { CompletionBatch, LeaseRenewer } from './completion-batch.ts';
import { executeRun } from './execute-run.ts';
import { type HandlerRegistry, type SchedulerLog, SyncError } from './handlers/types.ts';
import { type ClaimedRun, claimQueuedRuns, releaseRuns } from './run-queries.ts';
import type { emptyCounters, SchedulerObserver } from './stats.ts';

export type WorkerOptions = {
  db: Db;
  clock: Clock;
  log: SchedulerLog;
  handlers: HandlerRegistry;
  workerId: string;
  concurrency: number;
  /** Runs claimed ahead of free slots (see `waiting`). */
  localQueueSize: number;
  leaseMs: number;
  retryDelayMs: number;
  runTimeoutMs: number;
  counters: ReturnType<typeof emptyCounters>;
  observer?: SchedulerObserver;
  /** Failed runs in a row that pause a schedule unless it sets its own (0: never). */
  pauseAfterFailures: number;
  /** A run's failure paused this schedule: the heap must drop it now. */
  scheduleChanged?: (scheduleId: number) => void;
};

type Active = { run: ClaimedRun; controller: AbortController; done: Promise<void> };

/**
 * Takes queued runs (bounded concurrency), runs their handler under a renewed lease, records the outcome.
 * A slot is free again as soon as its handler settles; the run itself stays held (lease renewed) until
 * its outcome is written, which is done in batches.
 */
export class Worker {
  /** Every run this worker holds: running a handler, or finished and waiting for its row to be written. */
  private readonly active = new Map<number, Active>();
  /** Slots taken by running handlers. */
  private busy = 0;
  /** Runs asked for by the claim in flight. */
  private claiming = 0;
  /** Places promised to fires being claimed for this worker (see reserve). */
  private reserved = 0;
  /**
   * Runs claimed (leased to this worker) but not started: the next claim is in flight while the slots
   * still have work. Handed back on shutdown; at most `localQueueSize` of them.
   */
  private readonly waiting: ClaimedRun[] = [];
  private readonly completions: CompletionBatch;
  private readonly renewer: LeaseRenewer;
  private pumping = false;
  private pumpDone: Promise<void> = Promise.resolve();
  /** Runs claimed by a pump that was in flight when stop() began: handed straight back, never started. */
  private readonly lateClaims: number[] = [];
  private pumpAgain = false;
  private pumpQueued = false;
  private stopped = false;

  constructor(private readonly options: WorkerOptions) {
    const { db, clock, workerId, leaseMs } = options;
    this.completions = new CompletionBatch({ db, clock, workerId });
    this.renewer = new LeaseRenewer({
      db,
      clock,
      workerId,
      leaseMs,
      held: () => [
        ...[...this.active.values()].filter((a) => !a.controller.signal.aborted).map((a) => a.run.id),
        ...this.waiting.map((run) => run.id),
      ],
      lost: (runId) => {
        const index = this.waiting.findIndex((run) => run.id === runId);
        if (index >= 0) this.waiting.splice(index, 1);
        this.active
          .get(runId)
          ?.controller.abort(new SyncError('lease lost to another worker', { retryable: false, errorClass: 'LeaseLost' }));
      },
    });
  }

  get running(): number {
    return this.active.size;
  }

  /**
   * Promises up to `wanted` places (free slots, then the local queue) to runs about to be claimed for
   * this worker (fires handed over at claim time); `adopt` takes them and gives back the places not used.
   */
  reserve(wanted: number): number {
    if (this.stopped) return 0;
    const granted = Math.max(0, Math.min(wanted, this.room()));
    this.reserved += granted;
    return granted;
  }

  /** Places left for claimed runs: slots plus the local queue, less what is held or being claimed. */
  private room(): number {
    const capacity = this.options.concurrency + this.options.localQueueSize;
    return capacity - this.busy - this.waiting.length - this.claiming - this.reserved;
  }

  adopt(runs: ClaimedRun[], reserved: number): void {
    this.reserved -= reserved;
    this.take(runs);
    if (reserved > runs.length) void this.pump();
  }

  /** Starts claimed runs in free slots; the rest wait in the local queue (still leased, renewed). */
  private take(runs: ClaimedRun[]): void {
    if (this.stopped) {
      for (const run of runs) this.lateClaims.push(run.id);
      return;
    }
    this.waiting.push(...runs);
    while (this.busy < this.options.concurrency && this.waiting.length > 0) this.start(this.waiting.shift() as ClaimedRun);
    if (this.waiting.length > 0) this.renewer.ensure();
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
        while (!this.stopped && this.room() > 0) {
          const limit = this.room();
          const { runs, skipped } = await this.claimRoom((claim) => claimQueuedRuns(this.options.db, claim));
          if (skipped > 0) this.options.counters.runs.skipped += skipped;
          this.take(runs);
          // Backfill chunks get only the room the other runs left: scheduled fires go first.
          const chunks = runs.length < limit ? await this.claimChunks() : [];
          if (runs.length === 0 && skipped === 0 && chunks.length === 0) break;
        }
      } while (this.pumpAgain && !this.stopped);
    } catch (error) {
      this.options.log.warn({ event: 'claim-failed', err: error }, 'could not claim queued runs; will retry');
    } finally {
      this.pumping = false;
      finish();
    }
  }

  private async claimChunks(): Promise<ClaimedRun[]> {
    const chunks = await this.claimRoom((claim) => claimBackfillChunks(this.options.db, claim));
    this.take(chunks);
    return chunks;
  }

  /**
   * One claim of at most the free room, with a lease from now. The room is counted as promised while the
   * claim is in flight, so fires handed over meanwhile are not promised the same slots.
   */
  private async claimRoom<T>(
    claim: (options: { now: Date; limit: number; workerId: string; lockedUntil: Date }) => Promise<T>,
  ): Promise<T> {
    const now = this.options.clock.now();
    const limit = this.room();
    this.claiming = limit;
    try {
      return await claim({
        now,
        limit,
        workerId: this.options.workerId,
        lockedUntil: new Date(now.getTime() + this.options.leaseMs),
      });
    } finally {
      this.claiming = 0;
    }
  }

  /** Aborts the handler of a run this worker holds (a backfill its user cancelled); its outcome is discarded. */
  abort(runId: number, reason: Error): void {
    this.active.get(runId)?.controller.abort(reason);
  }

  /**
   * Pumps on the next turn: handlers that settle together free their slots together, and one claim
   * fills them all (a pump per slot would claim one run, then the rest).
   */
  private pumpSoon(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      void this.pump();
    });
  }

  private start(run: ClaimedRun): void {
    const controller = new AbortController();
    const active: Active = { run, controller, done: Promise.resolve() };
    this.active.set(run.id, active);
    this.busy++;
    let freed = false;
    const free = () => {
      if (freed) return;
      freed = true;
      this.busy--;
      this.take([]);
      this.pumpSoon();
    };
    const deps = { options: this.options, completions: this.completions, stopped: () => this.stopped };
    active.done = executeRun(deps, run, controller, free).finally(() => {
      this.active.delete(run.id);
      free();
      // The outcome is written now: a backfill chunk (or a fire) that waited for this run of its source can start.
      this.pumpSoon();
    });
    this.renewer.ensure();
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
      runIds: [...left.map((a) => a.run.id), ...this.waiting.splice(0).map((run) => run.id), ...this.lateClaims.splice(0)],
      now: this.options.clock.now(),
    }).catch(() => 0);
    this.renewer.stop();
    this.options.counters.runs.released += released;
    return { finished: pending.length - left.length, released };
  }
}
