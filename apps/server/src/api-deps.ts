import type { ApiDeps, PasswordGuard } from '@kpi/api';
import type { EnhancedScheduler } from '@kpi/scheduler';
import type { ViewerCache } from './viewer-cache.ts';

/** The parts of this process that services reach through their dependencies' ports. */
export type Ports = { viewers: ViewerCache; passwordGuard?: PasswordGuard; scheduler?: EnhancedScheduler };

/**
 * The services' dependencies with this process's parts plugged into their declared ports: revoked
 * credentials are forgotten by the viewer cache, password changes are counted by the sign-in limiter,
 * and schedule changes reach the scheduler at once. The
 * result is frozen: nothing adds a port later.
 */
export function buildApiDeps(base: ApiDeps, { viewers, passwordGuard, scheduler }: Ports): ApiDeps {
  return Object.freeze({
    ...base,
    events: Object.freeze({
      ...base.events,
      credentialsRevoked: (userId: number) => viewers.forgetUser(userId),
      ...(scheduler
        ? {
            scheduleChanged: (id: number) => scheduler.scheduleChanged(id),
            runQueued: () => scheduler.runQueued(),
            runCancelled: (id: number) => scheduler.runCancelled(id),
          }
        : {}),
    }),
    ...(passwordGuard ? { passwordGuard } : {}),
    ...(scheduler ? { schedulerStats: () => scheduler.stats() } : {}),
  });
}
