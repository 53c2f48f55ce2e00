export { type Advanced, type ClaimedFire, claimDueSchedules, type FirePolicy, planFire } from './claim-fires.ts';
export { type Clock, databaseClock, systemClock } from './clock.ts';
export {
  type HandlerRegistry,
  type SchedulerLog,
  type SyncContext,
  SyncError,
  type SyncHandler,
  type SyncResult,
} from './handlers/types.ts';
export { ScheduleHeap } from './schedule-heap.ts';
export { EnhancedScheduler, type SchedulerOptions } from './scheduler.ts';
export type { SchedulerObserver, SchedulerStats } from './stats.ts';
