import type { ApiDeps } from '@kpi/api';
import type { EnhancedScheduler } from '@kpi/scheduler';
import type { ViewerCache } from './viewer-cache.ts';

/** The parts of this process that services reach through their dependencies' ports. */
export type Ports = { viewers: ViewerCache; scheduler?: EnhancedScheduler };

/**
 * The services' dependencies with this process's parts plugged into their declared ports: revoked
 * credentials are forgotten by the viewer cache, and schedule changes reach the scheduler at once. The
 * result is frozen: nothing adds a port later.
 */
export function buildApiDeps(base: ApiDeps, { viewers, scheduler }: Ports): ApiDeps {
  return Object.freeze({
    ...base,
    events: Object.freeze({
      ...base.events,
      credentialsRevoked: (userId: number) => viewers.forgetUser(userId),
      ...(scheduler
        ? { scheduleChanged: (id: number) => scheduler.scheduleChanged(id), runQueued: () => scheduler.runQueued() }
        : {}),
    }),
    ...(scheduler ? { schedulerStats: () => scheduler.stats() } : {}),
  });
}
