import { sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/clock.ts';
import type { SyncHandler } from '../src/handlers/types.ts';
import { FakeClock } from '../src/testing.ts';
import { createUsers, insertSchedule, noopHandlers, runsOf, testScheduler, walk } from './support.ts';

describe.each(BACKENDS)('live changes and shutdown on %s', (backend) => {
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

  it('re-arms at once when a schedule changes in its own process', async () => {
    const userId = users[0] as number;
    const clock = new FakeClock('2026-08-01T10:00:00Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '0 18 * * *', timezone: 'UTC', from: clock.now() });
    const scheduler = testScheduler(database, clock, noopHandlers());
    await scheduler.start();
    expect(scheduler.stats().nextWakeAt).toBe('2026-08-01T18:00:00.000Z');
    // The user moves it to 10:05, as updateSchedule would store it.
    await withService(database.db, (tx) =>
      tx.execute(
        sql`UPDATE job_schedules SET cron_expression = '5 10 * * *', next_run_at = '2026-08-01T10:05:00Z', updated_at = now() WHERE id = ${scheduleId}`,
      ),
    );
    scheduler.scheduleChanged(scheduleId);
    clock.advance(20);
    await scheduler.whenIdle();
    expect(scheduler.stats().nextWakeAt).toBe('2026-08-01T10:05:00.000Z');
    await walk(clock, scheduler, new Date('2026-08-01T10:06:00Z'));
    await scheduler.stop(1_000);
    const runs = await runsOf(database, sql`schedule_id = ${scheduleId}`);
    expect(runs.map((r) => r.scheduled_for)).toEqual(['2026-08-01T10:05:00.000Z']);
  });

  it('hears a change made elsewhere through LISTEN/NOTIFY, and a disabled schedule stops firing', async () => {
    const [movedUser, stoppedUser] = users.slice(1, 3) as [number, number];
    const clock = new FakeClock('2026-08-02T10:00:00Z');
    const movedId = await insertSchedule(database, { userId: movedUser, cron: '0 18 * * *', timezone: 'UTC', from: clock.now() });
    const stoppedId = await insertSchedule(database, {
      userId: stoppedUser,
      cron: '30 10 * * *',
      timezone: 'UTC',
      from: clock.now(),
    });
    const scheduler = testScheduler(database, clock, noopHandlers(), { listen: database.listen.bind(database) });
    await scheduler.start();
    await withService(database.db, (tx) =>
      tx.execute(
        sql`UPDATE job_schedules SET cron_expression = '10 10 * * *', next_run_at = '2026-08-02T10:10:00Z', updated_at = now() WHERE id = ${movedId}`,
      ),
    );
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE job_schedules SET enabled = false, next_run_at = NULL, updated_at = now() WHERE id = ${stoppedId}`),
    );
    // The notification arrives asynchronously; changes are read after a 10 ms coalescing timer.
    const deadline = Date.now() + 5_000;
    while (scheduler.stats().nextWakeAt !== '2026-08-02T10:10:00.000Z' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      clock.advance(20);
      await scheduler.whenIdle();
    }
    expect(scheduler.stats().nextWakeAt).toBe('2026-08-02T10:10:00.000Z');
    await walk(clock, scheduler, new Date('2026-08-02T11:00:00Z'));
    await scheduler.stop(1_000);
    expect((await runsOf(database, sql`schedule_id = ${movedId}`)).map((r) => r.scheduled_for)).toEqual([
      '2026-08-02T10:10:00.000Z',
    ]);
    expect(await runsOf(database, sql`schedule_id = ${stoppedId}`)).toHaveLength(0);
  });

  it('forgets a deleted user: schedules and runs go with it (CASCADE) and nothing fires', async () => {
    const userId = users[3] as number;
    const clock = new FakeClock('2026-08-03T10:00:00Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '15 10 * * *', timezone: 'UTC', from: clock.now() });
    const scheduler = testScheduler(database, clock, noopHandlers(), { listen: database.listen.bind(database) });
    await scheduler.start();
    await withService(database.db, (tx) => tx.execute(sql`DELETE FROM users WHERE id = ${userId}`));
    scheduler.scheduleChanged(scheduleId);
    clock.advance(20);
    await walk(clock, scheduler, new Date('2026-08-03T11:00:00Z'));
    await scheduler.stop(1_000);
    expect(await runsOf(database, sql`user_id = ${userId}`)).toHaveLength(0);
    expect(scheduler.stats().fires.cron).toBe(0);
  });

  it('on stop, lets a short run finish and releases a long one to the queue without counting the attempt', async () => {
    const [quickUser, slowUser] = users.slice(4, 6) as [number, number];
    let release: () => void = () => undefined;
    const slowStarted = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handler: SyncHandler = {
      source: 'test',
      sample: true,
      async run(context) {
        if (context.userId === slowUser) {
          release();
          await new Promise((resolve) => setTimeout(resolve, 5_000));
        } else {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return { ok: true };
      },
    };
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, run_after)
                     VALUES (${quickUser}, 'meta', 'manual', now(), 'queued', now() - interval '1 second'),
                            (${slowUser}, 'meta', 'manual', now(), 'queued', now() - interval '1 second')`),
    );
    const scheduler = testScheduler(database, systemClock, new Map([['meta', handler]]), { pollIntervalMs: 50 });
    await scheduler.start();
    await slowStarted;
    const outcome = await scheduler.stop(1_000);
    expect(outcome).toEqual({ finished: 1, released: 1 });
    const runs = await runsOf(database, sql`user_id IN (${quickUser}, ${slowUser})`);
    const byUser = new Map(runs.map((r) => [r.user_id, r]));
    expect(byUser.get(quickUser)).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(byUser.get(slowUser)).toMatchObject({ status: 'queued', attempt: 0 });
  });
});
