import type { Database, Db } from '@kpi/db';
import type { Clock } from './clock.ts';
import type { HandlerRegistry, SchedulerLog } from './handlers/types.ts';
import type { SchedulerObserver } from './stats.ts';

export type SchedulerOptions = {
  db: Db;
  /** LISTEN/NOTIFY, so other instances' schedule changes and queued runs are seen at once. */
  listen?: Database['listen'];
  clock?: Clock;
  log: SchedulerLog;
  handlers: HandlerRegistry;
  instanceId?: string;
  observer?: SchedulerObserver;
  graceMs?: number;
  catchupWindowMs?: number;
  catchupJitterMs?: number;
  retryDelayMs?: number;
  maxAttempts?: number;
  concurrency?: number;
  /**
   * Runs claimed ahead of free worker slots, so slots do not wait on a claim's round trip when runs are
   * short (64 takes no-op runs at concurrency 4 from about 280 to 1,300 a second). Off by default: each
   * waits leased to this instance, so with syncs that take seconds it would hoard runs that another
   * instance could start at once.
   */
  localQueueSize?: number;
  leaseMs?: number;
  runTimeoutMs?: number;
  claimBatchSize?: number;
  pollIntervalMs?: number;
  leaseSweepIntervalMs?: number;
  reconcileIntervalMs?: number;
  /** Failed runs in a row that pause a schedule without its own `pause_after_failures` (0: never). */
  pauseAfterFailures?: number;
  /** The longest the wake-up timer sleeps, so a stepped clock or a lost notification heals by itself. */
  maxSleepMs?: number;
};

/** The engine's settings when not given (the server passes its configuration explicitly). */
export const DEFAULTS = {
  graceMs: 60_000,
  catchupWindowMs: 86_400_000,
  catchupJitterMs: 30_000,
  retryDelayMs: 600_000,
  maxAttempts: 3,
  // A sync mostly waits on a source's API and holds a database connection only to write: runs in a
  // burst start 15x sooner than with 4 (bench/drain.ts), at a few KB of memory each.
  concurrency: 64,
  localQueueSize: 0,
  leaseMs: 60_000,
  runTimeoutMs: 15 * 60_000,
  claimBatchSize: 500,
  pollIntervalMs: 1_000,
  leaseSweepIntervalMs: 5_000,
  reconcileIntervalMs: 30_000,
  maxSleepMs: 30_000,
  pauseAfterFailures: 5,
};
