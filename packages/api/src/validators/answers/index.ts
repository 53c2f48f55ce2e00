export * from './account.ts';
export * from './backfill.ts';
export * from './common.ts';
export * from './connections.ts';
export * from './kpis.ts';
export * from './notifications.ts';
export * from './runs.ts';
export * from './schedules.ts';
