import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { computeNextRun } from '@kpi/cron';
import { claimDueSchedules } from './claim-fires.ts';
import { type Clock, Loops, systemClock, type TimerHandle } from './clock.ts';
import { SyncError } from './handlers/types.ts';
import { recordFire, recordTakenBack } from './record-fire.ts';
import { type ClaimedRun, takeBackExpiredLeases } from './run-queries.ts';
import { ScheduleBook } from './schedule-book.ts';
import { DEFAULTS, type SchedulerOptions } from './scheduler-options.ts';
import { emptyCounters, LagWindow, type SchedulerStats } from './stats.ts';
import { Worker } from './worker.ts';

export type { SchedulerOptions } from './scheduler-options.ts';

/**
 * The scheduler engine, under the name the product's requirements give it (kept, so they, the code and the logs agree):
 * it fires every enabled schedule at its `next_run_at`, exactly once across instances, and runs the
 * queued work. One wake-up timer per process over a min-heap of the schedules it knows; the database
 * (row locks, unique keys) decides who owns each fire, so instances need no coordination of their own.
 */
export class EnhancedScheduler {
  readonly instanceId: string;
  private readonly o: Required<Omit<SchedulerOptions, 'listen' | 'observer' | 'instanceId' | 'clock'>> &
    Pick<SchedulerOptions, 'listen' | 'observer'>;
  private readonly clock: Clock;
  private readonly counters = emptyCounters();
  private readonly lag = new LagWindow();
  private readonly worker: Worker;
  private readonly book: ScheduleBook;
  private state: SchedulerStats['state'] = 'idle';
  private startedAt: Date | null = null;
  private wakeTimer: TimerHandle | undefined;
  private wakeAt: number | undefined;
  private readonly loops: Loops;
  private readonly unlisten: Array<() => Promise<void>> = [];
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private readonly toRefresh = new Set<number>();
  private refreshTimer: TimerHandle | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(options: SchedulerOptions) {
    this.o = { ...DEFAULTS, ...options } as EnhancedScheduler['o'];
    this.clock = options.clock ?? systemClock;
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.book = new ScheduleBook(this.o.db);
    this.loops = new Loops(this.clock, {
      active: () => this.state === 'running',
      failed: (error) => this.o.log.warn({ event: 'loop-failed', err: error }, 'periodic scheduler task failed'),
    });
    this.worker = new Worker({
      db: this.o.db,
      clock: this.clock,
      log: this.o.log,
      handlers: this.o.handlers,
      workerId: this.instanceId,
      concurrency: this.o.concurrency,
      localQueueSize: this.o.localQueueSize,
      leaseMs: this.o.leaseMs,
      retryDelayMs: this.o.retryDelayMs,
      runTimeoutMs: this.o.runTimeoutMs,
      counters: this.counters,
      observer: this.o.observer,
      pauseAfterFailures: this.o.pauseAfterFailures,
      scheduleChanged: (id) => this.scheduleChanged(id),
    });
  }

  async start(): Promise<void> {
    if (this.state === 'running') return;
    this.state = 'running';
    this.startedAt = this.clock.now();
    // A process's first cron evaluation costs about 35 ms (croner's and ICU's first use, measured): paid
    // here, not inside the first claim, where every fire of a burst would wait for it.
    computeNextRun('0 0 * * *', 'UTC', this.startedAt);
    // A database briefly unreachable at start must not leave the process without a scheduler: try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.reloadAll();
        break;
      } catch (error) {
        if (this.state !== 'running') return;
        this.o.log.warn({ event: 'start-retry', attempt, err: error }, 'could not load the schedules; retrying');
        await new Promise<void>((resolve) => this.clock.setTimer(resolve, Math.min(500 * attempt, 5_000)));
        if (this.state !== 'running') return;
      }
    }
    if (this.o.listen) {
      this.unlisten.push(
        await this.o.listen(
          'kpi_schedule_changed',
          (payload) => this.scheduleChanged(Number(payload)),
          // A rejection here would be unhandled (and end the process): the periodic reconcile heals instead.
          () =>
            void this.reloadAll().catch((error: unknown) =>
              this.o.log.warn({ event: 'reload-failed', err: error }, 'could not reload the schedules after a reconnect'),
            ),
        ),
        await this.o.listen(
          'kpi_run_queued',
          () => void this.worker.pump(),
          () => void this.worker.pump(),
        ),
      );
    }
    this.loops.every(this.o.pollIntervalMs, () => this.worker.pump());
    this.loops.every(this.o.leaseSweepIntervalMs, () => this.sweepLeases());
    this.loops.every(this.o.reconcileIntervalMs, () => this.reconcile());
    // Due rows are simply due: after a restart, the first tick claims (or recovers) whatever was missed.
    await this.tick();
    void this.sweepLeases().catch((error: unknown) =>
      this.o.log.warn({ event: 'loop-failed', err: error }, 'periodic scheduler task failed'),
    );
    void this.worker.pump();
  }

  /** A schedule changed in this process: re-arm now rather than on the next notification. */
  scheduleChanged(scheduleId: number): void {
    if (!Number.isSafeInteger(scheduleId) || this.state !== 'running') return;
    this.toRefresh.add(scheduleId);
    if (this.refreshTimer) return;
    // Coalesce a burst of changes into one read.
    this.refreshTimer = this.clock.setTimer(() => {
      this.refreshTimer = undefined;
      const ids = [...this.toRefresh];
      this.toRefresh.clear();
      this.refreshing = this.book
        .refresh(ids)
        .then(() => this.tick())
        .catch((error: unknown) =>
          this.o.log.warn({ event: 'refresh-failed', err: error }, 'could not re-read changed schedules'),
        )
        .finally(() => {
          this.refreshing = undefined;
        });
    }, 10);
  }

  /** A run was queued in this process: take it now. */
  runQueued(): void {
    if (this.state === 'running') void this.worker.pump();
  }

  /** A backfill was cancelled: if this instance runs its chunk, stop the chunk now rather than at the next lease renewal. */
  runCancelled(runId: number): void {
    this.worker.abort(runId, new SyncError('backfill cancelled', { retryable: false, errorClass: 'cancelled' }));
  }

  /** Claims every due fire, then re-arms the timer. Calls made while one runs are folded into one more pass. */
  tick(): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return this.ticking;
    }
    this.ticking = this.claimLoop().finally(() => {
      this.ticking = undefined;
      if (this.tickAgain && this.state === 'running') {
        this.tickAgain = false;
        void this.tick();
      } else {
        this.arm();
      }
    });
    return this.ticking;
  }

  private async claimLoop(): Promise<void> {
    if (this.state !== 'running') return;
    let retryIn: number | undefined;
    try {
      const began = this.clock.now();
      const expected = new Set(this.book.dueIds(began.getTime(), 10_000));
      for (;;) {
        // Each batch at its own time: a burst's later batches are claimed late, and their leases start then.
        const now = this.clock.now();
        // Fires this instance has room for (free slots, its local queue) are handed to it by the claim itself.
        const slots = this.worker.reserve(this.o.claimBatchSize);
        let taken: ClaimedRun[] = [];
        let batch: Awaited<ReturnType<typeof claimDueSchedules>>;
        try {
          batch = await claimDueSchedules(this.o.db, {
            now,
            batchSize: this.o.claimBatchSize,
            graceMs: this.o.graceMs,
            catchupWindowMs: this.o.catchupWindowMs,
            catchupJitterMs: this.o.catchupJitterMs,
            maxAttempts: this.o.maxAttempts,
            take: { workerId: this.instanceId, lockedUntil: new Date(now.getTime() + this.o.leaseMs), limit: slots },
          });
          taken = batch.fires.flatMap((fire) => (fire.taken ? [fire.taken] : []));
        } finally {
          this.worker.adopt(taken, slots);
        }
        this.book.apply(batch.advanced);
        for (const adv of batch.advanced) expected.delete(adv.id);
        this.counters.claimsLost += batch.lost;
        for (const fire of batch.fires)
          recordFire(fire, { counters: this.counters, lag: this.lag, log: this.o.log, observer: this.o.observer });
        if (batch.fires.some((fire) => fire.status === 'queued' && !fire.taken)) void this.worker.pump();
        if (batch.advanced.length < this.o.claimBatchSize) break;
      }
      // Due here but not claimed: another instance took it (or holds its lock right now). Re-read them.
      if (expected.size > 0) {
        this.counters.claimsLost += expected.size;
        await this.book.refresh([...expected]);
        if (this.book.dueIds(began.getTime(), 1).length > 0) retryIn = 250;
      }
    } catch (error) {
      this.o.log.warn({ event: 'tick-failed', err: error }, 'could not claim due schedules; retrying');
      retryIn = 1_000;
    }
    if (retryIn !== undefined) this.arm(retryIn);
  }

  private arm(soonMs?: number): void {
    if (this.state !== 'running') return;
    this.wakeTimer?.cancel();
    const now = this.clock.now().getTime();
    const next = this.book.earliest();
    let delay = next === undefined ? this.o.maxSleepMs : Math.min(Math.max(next - now, 0), this.o.maxSleepMs);
    if (soonMs !== undefined) delay = Math.min(delay, soonMs);
    this.wakeAt = now + delay;
    this.wakeTimer = this.clock.setTimer(() => void this.tick(), delay);
    this.o.log.debug(
      { event: 'armed', nextWakeAt: new Date(this.wakeAt).toISOString(), schedulesKnown: this.book.size },
      'timer armed',
    );
  }

  /** Reads every enabled schedule (start-up, and after a lost LISTEN connection), then re-arms. */
  private async reloadAll(): Promise<void> {
    await this.book.reloadAll(this.clock.now().getTime());
    this.o.log.info({ event: 'reconciled', full: true, schedulesKnown: this.book.size }, 'schedules loaded');
    this.arm();
  }

  private async reconcile(): Promise<void> {
    const changed = await this.book.reconcile(this.clock.now().getTime());
    if (changed === 0) return;
    this.o.log.info({ event: 'reconciled', changed }, 'schedule changes reconciled');
    void this.tick();
  }

  private async sweepLeases(): Promise<void> {
    const taken = await takeBackExpiredLeases(this.o.db, this.clock.now(), this.o.pauseAfterFailures);
    if (taken.length === 0) return;
    recordTakenBack(taken, { counters: this.counters, log: this.o.log, observer: this.o.observer });
    for (const run of taken) if (run.pausedScheduleId !== undefined) this.scheduleChanged(run.pausedScheduleId);
    void this.worker.pump();
  }

  /** Stops timers and claiming; running handlers get `graceMs` to finish, the rest are released to the queue. */
  async stop(graceMs = 20_000): Promise<{ finished: number; released: number }> {
    if (this.state !== 'running') return { finished: 0, released: 0 };
    this.state = 'stopping';
    this.wakeTimer?.cancel();
    this.refreshTimer?.cancel();
    this.loops.cancel();
    await Promise.all(this.unlisten.splice(0).map((fn) => fn().catch(() => undefined)));
    await this.ticking;
    const outcome = await this.worker.stop(graceMs);
    this.state = 'stopped';
    this.o.log.info({ event: 'stopped', ...outcome }, 'scheduler stopped');
    return outcome;
  }

  /** Resolves when no claim pass and no run is in progress (tests wait on this instead of sleeping). */
  async whenIdle(): Promise<void> {
    for (;;) {
      await this.refreshing;
      await this.ticking;
      await this.worker.idle();
      if (!this.refreshing && !this.ticking && this.worker.running === 0) return;
    }
  }

  stats(): SchedulerStats {
    return {
      instanceId: this.instanceId,
      state: this.state,
      startedAt: this.startedAt?.toISOString() ?? null,
      schedulesKnown: this.book.size,
      nextWakeAt: this.wakeAt !== undefined && this.state === 'running' ? new Date(this.wakeAt).toISOString() : null,
      fires: { ...this.counters.fires },
      claimsLost: this.counters.claimsLost,
      runs: { ...this.counters.runs },
      recoveries: this.counters.recoveries,
      backfill: { ...this.counters.backfill },
      running: this.worker.running,
      concurrency: this.o.concurrency,
      lagMs: this.lag.summary(),
    };
  }
}
