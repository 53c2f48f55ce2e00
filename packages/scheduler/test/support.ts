import { computeNextRun } from '@kpi/cron';
import { queryRows, type Service, sql, withService } from '@kpi/db';
import type { TestDatabase } from '@kpi/testing';
import pino from 'pino';
import type { Clock } from '../src/clock.ts';
import type { SyncHandler } from '../src/handlers/types.ts';
import { EnhancedScheduler, type SchedulerOptions } from '../src/scheduler.ts';
import type { FakeClock } from '../src/testing.ts';

export const silent = pino({ level: 'silent' });

export async function createUsers(database: TestDatabase, count: number): Promise<number[]> {
  const rows = await withService(database.db, (tx) =>
    queryRows<{ id: number }>(
      tx,
      sql`INSERT INTO users (email, password_hash)
          SELECT 'u' || g || '-' || md5(random()::text) || '@example.test', 'x' FROM generate_series(1, ${count}) AS g
          RETURNING id`,
    ),
  );
  return rows.map((row) => row.id);
}

/** A schedule as the API would store it: next_run_at computed after `from` unless given. */
export async function insertSchedule(
  database: TestDatabase,
  fields: {
    userId: number;
    service?: Service;
    cron: string;
    timezone: string;
    enabled?: boolean;
    from?: Date;
    nextRunAt?: Date | null;
  },
): Promise<number> {
  const enabled = fields.enabled ?? true;
  const next =
    fields.nextRunAt !== undefined
      ? fields.nextRunAt
      : enabled
        ? computeNextRun(fields.cron, fields.timezone, fields.from ?? new Date())
        : null;
  const [row] = await withService(database.db, (tx) =>
    queryRows<{ id: string }>(
      tx,
      sql`INSERT INTO job_schedules (user_id, service, cron_expression, timezone, enabled, next_run_at)
          VALUES (${fields.userId}, ${fields.service ?? 'meta'}, ${fields.cron}, ${fields.timezone}, ${enabled}, ${next})
          ON CONFLICT (user_id, service) DO UPDATE SET cron_expression = EXCLUDED.cron_expression, timezone = EXCLUDED.timezone,
            enabled = EXCLUDED.enabled, next_run_at = EXCLUDED.next_run_at, updated_at = now()
          RETURNING id`,
    ),
  );
  return Number(row?.id);
}

export type RunRow = {
  id: number;
  schedule_id: number | null;
  user_id: number;
  service: Service;
  trigger: string;
  status: string;
  scheduled_for: string;
  attempt: number;
  run_after: string;
  error: string | null;
  error_class: string | null;
};

export async function runsOf(database: TestDatabase, where = sql`true`): Promise<RunRow[]> {
  const rows = await withService(database.db, (tx) =>
    queryRows<RunRow & { id: string; schedule_id: string | null; scheduled_for: Date; run_after: Date }>(
      tx,
      sql`SELECT id, schedule_id, user_id, service, trigger, status, scheduled_for, attempt, run_after, error, error_class
          FROM job_runs WHERE ${where} ORDER BY scheduled_for, id`,
    ),
  );
  return rows.map((row) => ({
    ...row,
    id: Number(row.id),
    schedule_id: row.schedule_id === null ? null : Number(row.schedule_id),
    scheduled_for: new Date(row.scheduled_for).toISOString(),
    run_after: new Date(row.run_after).toISOString(),
  }));
}

export function noopHandlers(record?: (context: { runId: number; attempt: number }) => void): Map<Service, SyncHandler> {
  const handler: SyncHandler = {
    source: 'test',
    sample: true,
    async run(context) {
      record?.({ runId: context.runId, attempt: context.attempt });
      return { ok: true };
    },
  };
  return new Map((['meta', 'ga4', 'shopify'] as const).map((service) => [service, handler]));
}

export function testScheduler(
  database: TestDatabase,
  clock: Clock,
  handlers: Map<Service, SyncHandler>,
  options: Partial<SchedulerOptions> = {},
): EnhancedScheduler {
  return new EnhancedScheduler({
    db: database.db,
    clock,
    log: silent,
    handlers,
    catchupJitterMs: 0,
    instanceId: 'test-instance',
    ...QUIET_LOOPS,
    ...options,
  });
}

/**
 * Moves a fake clock from timer to timer up to `to`, letting the engine finish its work after each:
 * the clock lands exactly on every wake-up the engine asked for, as a real timer would.
 */
export async function walk(clock: FakeClock, scheduler: EnhancedScheduler, to: Date): Promise<void> {
  await scheduler.whenIdle();
  for (let guard = 0; guard < 10_000; guard++) {
    const next = clock.nextTimerAt();
    if (!next || next > to) break;
    clock.set(next);
    await scheduler.whenIdle();
  }
  clock.set(to);
  await scheduler.whenIdle();
}

/** Engine settings for injected-clock tests: only the wake-up timer moves the clock forward. */
export const QUIET_LOOPS = {
  pollIntervalMs: 6 * 3600_000,
  leaseSweepIntervalMs: 6 * 3600_000,
  reconcileIntervalMs: 6 * 3600_000,
  maxSleepMs: 24 * 3600_000,
} as const;
