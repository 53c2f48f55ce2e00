import { sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/testing.ts';
import { createUsers, insertSchedule, noopHandlers, runsOf, testScheduler, walk } from './support.ts';

const DAY = 86_400_000;

describe.each(BACKENDS)('restart recovery and overlap on %s (injected clock)', (backend) => {
  let database: TestDatabase;
  let users: number[];

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    users = await createUsers(database, 8);
  });
  beforeEach(async () => {
    await withService(database.db, (tx) => tx.execute(sql`UPDATE job_schedules SET enabled = false`));
  });
  afterAll(() => database?.dispose());

  it('after downtime: one recovery run for the latest missed fire inside the window, a skipped row outside it, nothing for disabled', async () => {
    const [hourly, daily, stale, disabled] = users as [number, number, number, number];
    // The server stopped on 1 July at 06:30Z, and starts again at 12:10Z.
    const stoppedAt = new Date('2026-07-01T06:30:00Z');
    const hourlyId = await insertSchedule(database, { userId: hourly, cron: '0 * * * *', timezone: 'UTC', from: stoppedAt });
    const dailyId = await insertSchedule(database, {
      userId: daily,
      cron: '0 9 * * *',
      timezone: 'Asia/Kolkata',
      from: new Date('2026-06-30T00:00:00Z'),
    });
    const staleId = await insertSchedule(database, {
      userId: stale,
      cron: '0 9 * * 1',
      timezone: 'UTC',
      nextRunAt: new Date('2026-06-22T09:00:00Z'),
    });
    const disabledId = await insertSchedule(database, {
      userId: disabled,
      cron: '0 * * * *',
      timezone: 'UTC',
      enabled: false,
      from: stoppedAt,
    });
    const clock = new FakeClock('2026-07-01T12:10:00Z');
    const scheduler = testScheduler(database, clock, noopHandlers(), { graceMs: 60_000, catchupWindowMs: 2 * DAY });
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-07-01T12:20:00Z'));
    await scheduler.stop(1_000);

    const hourlyRuns = await runsOf(database, sql`schedule_id = ${hourlyId}`);
    // 07:00 ... 12:00 were missed: one recovery run, for 12:00 only.
    expect(hourlyRuns.map((r) => [r.trigger, r.status, r.scheduled_for])).toEqual([
      ['recovery', 'succeeded', '2026-07-01T12:00:00.000Z'],
    ]);
    const dailyRuns = await runsOf(database, sql`schedule_id = ${dailyId}`);
    // 09:00 IST on 1 July is 03:30Z: missed, inside the window.
    expect(dailyRuns.map((r) => [r.trigger, r.status, r.scheduled_for])).toEqual([
      ['recovery', 'succeeded', '2026-07-01T03:30:00.000Z'],
    ]);
    const staleRuns = await runsOf(database, sql`schedule_id = ${staleId}`);
    // Last Monday 09:00Z was 29 June: 3 days ago, outside the 2-day window.
    expect(staleRuns).toHaveLength(1);
    expect(staleRuns[0]).toMatchObject({ status: 'skipped', scheduled_for: '2026-06-29T09:00:00.000Z' });
    expect(staleRuns[0]?.error).toMatch(/outside the catch-up window/);
    expect(await runsOf(database, sql`schedule_id = ${disabledId}`)).toHaveLength(0);

    const next = await withService(database.db, (tx) =>
      tx.execute(sql`SELECT id, next_run_at FROM job_schedules WHERE id IN (${hourlyId}, ${staleId}) ORDER BY id`),
    );
    const rows = (next as unknown as { rows: Array<{ next_run_at: Date }> }).rows.map((r) =>
      new Date(r.next_run_at).toISOString(),
    );
    expect(rows).toEqual(['2026-07-01T13:00:00.000Z', '2026-07-06T09:00:00.000Z']);
    expect(scheduler.stats().recoveries).toBe(2);
  });

  it('a fire late by less than the grace period is an ordinary cron run', async () => {
    const userId = users[4] as number;
    const scheduleId = await insertSchedule(database, {
      userId,
      cron: '0 * * * *',
      timezone: 'UTC',
      nextRunAt: new Date('2026-07-02T10:00:00Z'),
    });
    const clock = new FakeClock('2026-07-02T10:00:45Z');
    const scheduler = testScheduler(database, clock, noopHandlers(), { graceMs: 60_000 });
    await scheduler.start();
    await scheduler.whenIdle();
    await scheduler.stop(1_000);
    const runs = await runsOf(database, sql`schedule_id = ${scheduleId}`);
    expect(runs.map((r) => [r.trigger, r.scheduled_for])).toEqual([['cron', '2026-07-02T10:00:00.000Z']]);
  });

  it('records a cron fire as skipped while a run of the same service is still queued or running', async () => {
    const userId = users[5] as number;
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, run_after)
                     VALUES (${userId}, 'meta', 'manual', '2026-07-03T09:59:00Z', 'queued', '2026-07-03T23:00:00Z')`),
    );
    const scheduleId = await insertSchedule(database, {
      userId,
      cron: '0 10 * * *',
      timezone: 'UTC',
      nextRunAt: new Date('2026-07-03T10:00:00Z'),
    });
    const clock = new FakeClock('2026-07-03T10:00:00Z');
    const scheduler = testScheduler(database, clock, noopHandlers());
    await scheduler.start();
    await scheduler.whenIdle();
    await scheduler.stop(1_000);
    const [run] = await runsOf(database, sql`schedule_id = ${scheduleId}`);
    expect(run).toMatchObject({ status: 'skipped', trigger: 'cron', scheduled_for: '2026-07-03T10:00:00.000Z' });
    expect(run?.error).toMatch(/previous run job-\d+ is still queued or running/);
    expect(scheduler.stats().fires.skipped).toBe(1);
  });

  it('does not run a queued cron run of a schedule disabled while it waited (a manual run still runs)', async () => {
    const userId = users[6] as number;
    const scheduleId = await insertSchedule(database, {
      userId,
      cron: '0 10 * * *',
      timezone: 'UTC',
      enabled: false,
      nextRunAt: null,
    });
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_runs (user_id, schedule_id, service, trigger, scheduled_for, status, run_after)
                     VALUES (${userId}, ${scheduleId}, 'meta', 'cron', '2026-07-04T10:00:00Z', 'queued', '2026-07-04T10:10:00Z'),
                            (${userId}, NULL, 'ga4', 'manual', '2026-07-04T10:05:00Z', 'queued', '2026-07-04T10:05:00Z')`),
    );
    const clock = new FakeClock('2026-07-04T10:20:00Z');
    const scheduler = testScheduler(database, clock, noopHandlers());
    await scheduler.start();
    await scheduler.whenIdle();
    await scheduler.stop(1_000);
    const runs = await runsOf(database, sql`user_id = ${userId}`);
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([
      ['cron', 'skipped'],
      ['manual', 'succeeded'],
    ]);
    expect(runs[0]?.error).toMatch(/disabled/);
  });
});
