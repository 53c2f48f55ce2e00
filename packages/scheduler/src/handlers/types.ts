import type { Db, RunTrigger, Service } from '@kpi/db';

type LogFn = (object: Record<string, unknown>, message?: string) => void;
export type SchedulerLog = {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child?: (bindings: Record<string, unknown>) => SchedulerLog;
};

export type SyncContext = {
  runId: number;
  userId: number;
  service: Service;
  trigger: RunTrigger;
  /** The fire this run is for (for manual runs, when it was requested). */
  scheduledFor: Date;
  attempt: number;
  /**
   * Inclusive YYYY-MM-DD source days to fetch, set by the engine for a backfill chunk: the handler then
   * fetches exactly these days (no lookback, no gap fill). Absent for scheduled and manual runs.
   */
  range?: { from: string; to: string };
  /** Aborted when the lease is lost or the process shuts down: stop and throw. */
  signal: AbortSignal;
  log: SchedulerLog;
  db: Db;
};

/** What a run records in `job_runs.result`. */
export type SyncResult = Record<string, unknown>;

export interface SyncHandler {
  /** Shown in the API and UI; `sample` handlers produce generated figures, not a source's data. */
  readonly source: string;
  readonly sample: boolean;
  run(context: SyncContext): Promise<SyncResult>;
}

/**
 * A failure a handler classifies. Retryable errors (rate limits, timeouts) are tried again after the
 * retry delay, or after `retryAfterMs` when the source said how long to wait; the rest fail at once.
 * `kind: 'needs_reauth'`: the source refused the credential, so the schedule is paused at once until
 * the user saves a working one; `'destination_needs_reauth'`: the same for the destination's credential.
 */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    message: string,
    readonly options: {
      retryable: boolean;
      errorClass: string;
      retryAfterMs?: number;
      kind?: 'needs_reauth' | 'destination_needs_reauth';
    },
  ) {
    super(message);
  }
}

export type HandlerRegistry = ReadonlyMap<Service, SyncHandler>;
