export * from './api-tokens.ts';
export * from './connections.ts';
export * from './job-runs.ts';
export * from './job-schedules.ts';
export * from './kpi-snapshots.ts';
export * from './sessions.ts';
export * from './tenant.ts';
export * from './users.ts';
