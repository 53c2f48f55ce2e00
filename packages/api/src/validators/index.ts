// Schemas shared by the server and the web forms. Only zod and @kpi/cron: safe to bundle for the browser.
export * from './account.ts';
export * from './admin.ts';
export * from './answers/index.ts';
export * from './backfill.ts';
export * from './kpis.ts';
export * from './notifications.ts';
export * from './oauth-outcome.ts';
export * from './runs.ts';
export * from './schedule.ts';
export * from './text.ts';
