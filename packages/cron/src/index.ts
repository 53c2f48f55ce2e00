export { addDays, dateInZone } from './calendar-days.ts';
export { CRON_MAX_LENGTH, CRON_OPTIONS, cronCacheSize, cronFor } from './cron-cache.ts';
export { computeNextRun, computeNextRuns } from './next-run.ts';
export { LOOKAHEAD_YEARS, runsAhead } from './runs-ahead.ts';
export { isValidTimeZone, TIMEZONE_MAX_LENGTH } from './time-zone.ts';
export { type CronProblem, validateCron } from './validate-cron.ts';
