import type { RunStatus, RunTrigger, Service } from '@kpi/db';

/** What a fire can be: backfills are requested, never fired by a schedule. */
export type FireTrigger = Exclude<RunTrigger, 'backfill'>;

export type SchedulerStats = {
  instanceId: string;
  state: 'idle' | 'running' | 'stopping' | 'stopped';
  startedAt: string | null;
  schedulesKnown: number;
  nextWakeAt: string | null;
  fires: Record<FireTrigger | 'skipped', number>;
  claimsLost: number;
  runs: Record<'started' | Exclude<RunStatus, 'queued' | 'running'> | 'retried' | 'leaseExpired' | 'released', number>;
  recoveries: number;
  /** Backfill chunks committed, the days they covered, and backfills finished, by this instance. */
  backfill: { chunks: number; days: number; completed: number };
  running: number;
  concurrency: number;
  lagMs: { samples: number; p50: number | null; p95: number | null; p99: number | null; max: number | null };
};

/** Hooks for metrics exporters (Prometheus in the server); every call is synchronous and cheap. */
export type SchedulerObserver = {
  fired?: (fire: { service: Service; trigger: RunTrigger; status: 'queued' | 'skipped'; lagMs: number }) => void;
  runFinished?: (run: { service: Service; status: 'succeeded' | 'failed' | 'retried'; durationMs: number }) => void;
  leaseExpired?: (count: number) => void;
  backfillChunk?: (chunk: { service: Service; days: number; durationMs: number }) => void;
};

/** Fire lag over the most recent claims, in a fixed ring: bounded memory however long the process runs. */
export class LagWindow {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;

  constructor(size = 2048) {
    this.samples = new Float64Array(size);
  }

  add(lagMs: number): void {
    this.samples[this.next] = lagMs;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
  }

  summary(): SchedulerStats['lagMs'] {
    if (this.count === 0) return { samples: 0, p50: null, p95: null, p99: null, max: null };
    const sorted = Array.from(this.samples.subarray(0, this.count)).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
    return { samples: this.count, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] as number };
  }
}

export function emptyCounters(): Pick<SchedulerStats, 'fires' | 'runs' | 'backfill'> & {
  claimsLost: number;
  recoveries: number;
} {
  return {
    fires: { cron: 0, manual: 0, recovery: 0, skipped: 0 },
    backfill: { chunks: 0, days: 0, completed: 0 },
    claimsLost: 0,
    runs: { started: 0, succeeded: 0, failed: 0, skipped: 0, retried: 0, leaseExpired: 0, released: 0 },
    recoveries: 0,
  };
}
