import type { Service } from '@kpi/db';
import { sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SyncError, type SyncHandler } from '../src/handlers/types.ts';
import { FakeClock } from '../src/testing.ts';
import { createUsers, insertSchedule, runsOf, testScheduler, walk } from './support.ts';

function handlers(run: SyncHandler['run']): Map<Service, SyncHandler> {
  const handler: SyncHandler = { source: 'test', sample: true, run };
  return new Map((['meta', 'ga4', 'shopify'] as const).map((service) => [service, handler]));
}

const RETRY_MS = 600_000;

describe.each(BACKENDS)('retries and leases on %s (injected clock)', (backend) => {
  let database: TestDatabase;
  let users: number[];

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    users = await createUsers(database, 6);
  });
  beforeEach(async () => {
    await withService(database.db, (tx) => tx.execute(sql`UPDATE job_schedules SET enabled = false`));
  });
  afterAll(() => database?.dispose());

  it('retries a failing run 10 minutes later, up to the attempt limit, then fails it', async () => {
    const userId = users[0] as number;
    const clock = new FakeClock('2026-06-01T07:59:00Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '0 8 * * *', timezone: 'UTC', from: clock.now() });
    const attempts: string[] = [];
    const scheduler = testScheduler(
      database,
      clock,
      handlers(async (context) => {
        attempts.push(`${context.attempt}@${clock.now().toISOString()}`);
        throw new Error('upstream answered 503');
      }),
      { retryDelayMs: RETRY_MS, maxAttempts: 3, pollIntervalMs: 60_000 },
    );
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-06-01T08:05:00Z'));
    let [run] = await runsOf(database, sql`schedule_id = ${scheduleId}`);
    expect(run).toMatchObject({
      status: 'queued',
      attempt: 1,
      run_after: '2026-06-01T08:10:00.000Z',
      error: 'upstream answered 503',
    });
    await walk(clock, scheduler, new Date('2026-06-01T08:40:00Z'));
    await scheduler.stop(1_000);
    [run] = await runsOf(database, sql`schedule_id = ${scheduleId}`);
    expect(attempts).toEqual(['1@2026-06-01T08:00:00.000Z', '2@2026-06-01T08:10:00.000Z', '3@2026-06-01T08:20:00.000Z']);
    expect(run).toMatchObject({ status: 'failed', attempt: 3, error_class: 'Error' });
    expect(scheduler.stats().runs).toMatchObject({ retried: 2, failed: 1, succeeded: 0 });
  });

  it('succeeds on a retry when the error goes away, in the same run row', async () => {
    const userId = users[1] as number;
    const clock = new FakeClock('2026-06-02T07:59:00Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '0 8 * * *', timezone: 'UTC', from: clock.now() });
    let calls = 0;
    const scheduler = testScheduler(
      database,
      clock,
      handlers(async () => {
        calls++;
        if (calls === 1)
          throw new SyncError('rate limited', { retryable: true, errorClass: 'RateLimited', retryAfterMs: 120_000 });
        return { rows: 1 };
      }),
      { retryDelayMs: RETRY_MS, pollIntervalMs: 60_000 },
    );
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-06-02T08:30:00Z'));
    await scheduler.stop(1_000);
    const runs = await runsOf(database, sql`schedule_id = ${scheduleId}`);
    // The source's own wait hint (2 minutes) wins over the default 10 minutes.
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'succeeded', attempt: 2, run_after: '2026-06-02T08:02:00.000Z' });
  });

  it('does not retry a non-retryable error', async () => {
    const userId = users[2] as number;
    const clock = new FakeClock('2026-06-03T07:59:00Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '0 8 * * *', timezone: 'UTC', from: clock.now() });
    let calls = 0;
    const scheduler = testScheduler(
      database,
      clock,
      handlers(async () => {
        calls++;
        throw new SyncError('the access token was revoked', { retryable: false, errorClass: 'AuthExpired' });
      }),
      { retryDelayMs: RETRY_MS, pollIntervalMs: 60_000 },
    );
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-06-03T09:00:00Z'));
    await scheduler.stop(1_000);
    expect(calls).toBe(1);
    const [run] = await runsOf(database, sql`schedule_id = ${scheduleId}`);
    expect(run).toMatchObject({
      status: 'failed',
      attempt: 1,
      error_class: 'AuthExpired',
      error: 'the access token was revoked',
    });
  });

  it('takes back a run whose worker stopped renewing its lease, as a failed attempt, and runs it again', async () => {
    const userId = users[3] as number;
    const clock = new FakeClock('2026-06-04T08:00:00Z');
    // A run that a crashed worker left behind: running, lease expired a minute ago.
    const [row] = await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, attempt, max_attempts, locked_by, locked_until, started_at)
                     VALUES (${userId}, 'meta', 'manual', '2026-06-04T07:50:00Z', 'running', 1, 3, 'dead-worker', '2026-06-04T07:59:00Z', '2026-06-04T07:50:00Z')
                     RETURNING id`),
    ).then((result) => (result as unknown as { rows: Array<{ id: string }> }).rows);
    const runId = Number(row?.id);
    const seen: number[] = [];
    const scheduler = testScheduler(
      database,
      clock,
      handlers(async (context) => {
        seen.push(context.attempt);
        return { ok: true };
      }),
      { leaseSweepIntervalMs: 5_000, pollIntervalMs: 1_000 },
    );
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-06-04T08:00:10Z'));
    await scheduler.stop(1_000);
    const [run] = await runsOf(database, sql`id = ${runId}`);
    expect(run).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(seen).toEqual([2]);
    expect(scheduler.stats().runs.leaseExpired).toBe(1);
  });

  it('fails for good a taken-back run that had no attempts left', async () => {
    const userId = users[4] as number;
    const clock = new FakeClock('2026-06-05T08:00:00Z');
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, attempt, max_attempts, locked_by, locked_until)
                     VALUES (${userId}, 'ga4', 'manual', '2026-06-05T07:00:00Z', 'running', 3, 3, 'dead-worker', '2026-06-05T07:59:00Z')`),
    );
    const scheduler = testScheduler(
      database,
      clock,
      handlers(async () => ({ ok: true })),
      { leaseSweepIntervalMs: 5_000 },
    );
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-06-05T08:00:10Z'));
    await scheduler.stop(1_000);
    const [run] = await runsOf(database, sql`user_id = ${userId}`);
    expect(run).toMatchObject({ status: 'failed', attempt: 3, error_class: 'LeaseExpired' });
  });
});
