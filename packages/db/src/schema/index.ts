// Tables, columns and indexes. Row-level security (ENABLE, FORCE, the policies) and the grants live only in
// drizzle/*.sql, the SQL both migration layers run; packages/db/test/policies.test.ts checks them.
export * from './admin-audit-log.ts';
export * from './api-tokens.ts';
export * from './connections.ts';
export * from './job-runs.ts';
export * from './job-schedules.ts';
export * from './kpi-snapshots.ts';
export * from './notifications.ts';
export * from './oauth-states.ts';
export * from './provider-slots.ts';
export * from './rate-limits.ts';
export * from './scheduler-instances.ts';
export * from './sessions.ts';
export * from './tenant.ts';
export * from './users.ts';
