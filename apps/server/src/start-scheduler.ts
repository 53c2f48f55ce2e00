import type { ApiDeps } from '@kpi/api';
import type { Database } from '@kpi/db';
import { type Clock, EnhancedScheduler, type SchedulerObserver, sampleRegistry } from '@kpi/scheduler';
import type { Logger } from 'pino';
import type { Config } from './config.ts';

/** The engine as configured from the environment, with the sample connectors until real ones exist. */
export function createScheduler(options: {
  config: Config;
  database: Database;
  clock: Clock;
  log: Logger;
  observer: SchedulerObserver;
}) {
  const { config } = options;
  return new EnhancedScheduler({
    db: options.database.db,
    listen: options.database.listen.bind(options.database),
    clock: options.clock,
    log: options.log.child({ component: 'scheduler' }),
    handlers: sampleRegistry(),
    observer: options.observer,
    graceMs: config.misfireGraceSeconds * 1000,
    catchupWindowMs: config.catchupWindowSeconds * 1000,
    catchupJitterMs: config.catchupJitterSeconds * 1000,
    retryDelayMs: config.retryDelaySeconds * 1000,
    maxAttempts: config.maxAttempts,
    concurrency: config.workerConcurrency,
    leaseMs: config.leaseSeconds * 1000,
    runTimeoutMs: config.runTimeoutSeconds * 1000,
  });
}

/** Lets the API tell the scheduler in its own process about changes at once (others hear by NOTIFY). */
export function wireSchedulerEvents(deps: ApiDeps, scheduler: EnhancedScheduler): void {
  deps.events = {
    scheduleChanged: (id) => scheduler.scheduleChanged(id),
    runQueued: () => scheduler.runQueued(),
  };
  deps.schedulerStats = () => scheduler.stats();
}
