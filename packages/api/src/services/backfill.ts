import { dateInZone } from '@kpi/cron';
import { queryRows, type Service, sql, type Tx, withTenant } from '@kpi/db';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { BackfillQueuedJson } from '../validators/answers/backfill.ts';
import { backfillDays, backfillInput } from '../validators/backfill.ts';
import { jobIdOf } from './run-schedule.ts';

export const DEFAULT_BACKFILL_DAYS = 30;

/**
 * Today for a source: in the source's own zone once its connection learned it, else in the zone of the
 * user's schedule for it (UTC without one). The first day a backfill may not ask for, since it has not
 * ended; the connector also leaves out any day still running in the source's zone.
 */
async function sourceToday(tx: Tx, service: Service, now: Date): Promise<string> {
  const [row] = await queryRows<{ timezone: string | null }>(
    tx,
    sql`SELECT COALESCE(
          (SELECT timezone FROM connections WHERE service = ${service}),
          (SELECT timezone FROM job_schedules WHERE service = ${service})) AS timezone`,
  );
  return dateInZone(now, row?.timezone ?? 'UTC');
}

/**
 * Queues a backfill run in the caller's tenant transaction. The partial unique index on (user_id,
 * service) for active backfills is the judge: with one queued or running, nothing is inserted and the
 * active one's id comes back.
 */
async function queueBackfill(
  tx: Tx,
  deps: ApiDeps,
  run: { userId: number; service: Service; from: string; to: string },
): Promise<{ created: boolean; runId: number; status: string }> {
  const now = deps.clock();
  const days = backfillDays(run.from, run.to);
  const [inserted] = await queryRows<{ id: string }>(
    tx,
    sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, max_attempts, run_after,
                              range_from, range_to, progress_done, progress_total)
        VALUES (${run.userId}, ${run.service}, 'backfill', ${now}, 'queued', ${deps.settings.maxAttempts}, ${now},
                ${run.from}::date, ${run.to}::date, 0, ${days})
        ON CONFLICT (user_id, service) WHERE status IN ('queued', 'running') AND trigger = 'backfill' DO NOTHING
        RETURNING id`,
  );
  if (inserted) return { created: true, runId: Number(inserted.id), status: 'queued' };
  const [active] = await queryRows<{ id: string; status: string }>(
    tx,
    sql`SELECT id, status FROM job_runs
        WHERE service = ${run.service} AND trigger = 'backfill' AND status IN ('queued', 'running')`,
  );
  return { created: false, runId: Number(active?.id ?? 0), status: active?.status ?? 'queued' };
}

/**
 * Queues a backfill of `from` to `to` (the source's days, inclusive) for one source. The range is at
 * most 366 days, in order, and over: its last day is before today. One backfill per source at a time:
 * another while one is queued or running is a 409 naming it.
 */
export async function requestBackfill(
  deps: ApiDeps,
  userId: number,
  service: Service,
  raw: unknown,
): Promise<BackfillQueuedJson> {
  const range = backfillInput.parse(raw);
  const outcome = await withTenant(deps.db, userId, async (tx) => {
    const today = await sourceToday(tx, service, deps.clock());
    if (range.to >= today) {
      throw new AppError(
        'VALIDATION_ERROR',
        `to (${range.to}) is not over yet: the last day a backfill can fetch is the day before ${today}`,
        {
          field: 'to',
        },
      );
    }
    return queueBackfill(tx, deps, { userId, service, ...range });
  });
  if (!outcome.created) {
    throw new AppError('BACKFILL_RUNNING', `A ${service} backfill is already ${outcome.status}`, {
      jobId: jobIdOf(outcome.runId),
      status: outcome.status,
    });
  }
  deps.events?.runQueued?.(outcome.runId);
  return { jobId: jobIdOf(outcome.runId), service, userId, ...range, days: backfillDays(range.from, range.to) };
}

/**
 * The backfill a source's first connection starts: the last `backfillDays` finished days, queued in the
 * transaction that saves the connection. A backfill already active for the source is left as it is.
 */
export async function queueFirstConnectBackfill(tx: Tx, deps: ApiDeps, userId: number, service: Service): Promise<number | null> {
  const today = await sourceToday(tx, service, deps.clock());
  const days = deps.settings.backfillDays ?? DEFAULT_BACKFILL_DAYS;
  const to = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const outcome = await queueBackfill(tx, deps, { userId, service, from, to });
  return outcome.created ? outcome.runId : null;
}
