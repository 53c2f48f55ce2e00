import { validateCron } from '@kpi/cron';
import { AppError } from '../errors.ts';

/** The cron checks zod cannot make: it parses with the engine's options, fires, and not too often. */
export function assertUsableCron(cron: string, timeZone: string, minIntervalSeconds: number, now: Date): void {
  const problem = validateCron(cron, { minIntervalSeconds, timeZone, from: now });
  if (problem) throw new AppError('INVALID_CRON', problem.message, { field: 'cron', reason: problem.code });
}
