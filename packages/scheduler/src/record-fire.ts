import type { ClaimedFire } from './claim-fires.ts';
import type { SchedulerLog } from './handlers/types.ts';
import type { TakenBack } from './run-queries.ts';
import type { emptyCounters, LagWindow, SchedulerObserver } from './stats.ts';

/** Counts, logs and reports one claimed fire: `fired`, `recovered` or `skipped`. */
export function recordFire(
  fire: ClaimedFire,
  into: { counters: ReturnType<typeof emptyCounters>; lag: LagWindow; log: SchedulerLog; observer?: SchedulerObserver },
): void {
  const fields = {
    runId: fire.runId,
    userId: fire.userId,
    service: fire.service,
    scheduledFor: fire.scheduledFor.toISOString(),
    lag: fire.lagMs,
    trigger: fire.trigger,
  };
  into.observer?.fired?.({ service: fire.service, trigger: fire.trigger, status: fire.status, lagMs: fire.lagMs });
  if (fire.status === 'skipped') {
    into.counters.fires.skipped++;
    into.log.warn({ event: 'skipped', ...fields, reason: fire.reason }, 'fire skipped');
    return;
  }
  into.counters.fires[fire.trigger]++;
  if (fire.trigger === 'recovery') {
    into.counters.recoveries++;
    into.log.info({ event: 'recovered', ...fields }, 'missed fire recovered');
  } else {
    into.lag.add(fire.lagMs);
    into.log.info({ event: 'fired', ...fields }, 'schedule fired');
  }
}

/** Counts and logs runs taken back from workers that stopped renewing their lease. */
export function recordTakenBack(
  taken: TakenBack[],
  into: { counters: ReturnType<typeof emptyCounters>; log: SchedulerLog; observer?: SchedulerObserver },
): void {
  into.counters.runs.leaseExpired += taken.length;
  into.observer?.leaseExpired?.(taken.length);
  for (const run of taken) {
    into.log.warn(
      {
        event: 'lease-expired',
        runId: run.id,
        userId: run.userId,
        service: run.service,
        previousOwner: run.lockedBy,
        status: run.status,
      },
      'run taken back from a worker that stopped renewing its lease',
    );
  }
}
