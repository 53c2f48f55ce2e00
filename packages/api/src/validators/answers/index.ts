export * from './account.ts';
export * from './admin.ts';
export * from './common.ts';
export * from './connections.ts';
export * from './runs.ts';
export * from './schedules.ts';
