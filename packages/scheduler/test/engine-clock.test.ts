import { sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/testing.ts';
import { createUsers, insertSchedule, noopHandlers, runsOf, testScheduler, walk } from './support.ts';

describe.each(BACKENDS)('clock edge cases on %s (injected clock)', (backend) => {
  let database: TestDatabase;
  let users: number[];

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    users = await createUsers(database, 4);
  });
  afterAll(() => database?.dispose());

  it('does not fire a second time when the clock steps back over a fire it already claimed', async () => {
    const userId = users[0] as number;
    const clock = new FakeClock('2026-05-01T09:58:00Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '0 10 * * *', timezone: 'UTC', from: clock.now() });
    const scheduler = testScheduler(database, clock, noopHandlers());
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-05-01T10:05:00Z'));
    // NTP pulls the clock back 10 minutes, then time runs forward over 10:00 again.
    clock.set(new Date('2026-05-01T09:55:00Z'));
    await scheduler.whenIdle();
    await walk(clock, scheduler, new Date('2026-05-01T10:30:00Z'));
    await scheduler.stop(1_000);
    const runs = await runsOf(database);
    expect(runs.filter((run) => run.schedule_id === scheduleId).map((run) => run.scheduled_for)).toEqual([
      '2026-05-01T10:00:00.000Z',
    ]);
  });

  it('fires exactly once when the clock jitters back and forth across the fire time', async () => {
    const userId = users[1] as number;
    const clock = new FakeClock('2026-05-02T11:59:59.000Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '0 12 * * *', timezone: 'UTC', from: clock.now() });
    const scheduler = testScheduler(database, clock, noopHandlers());
    await scheduler.start();
    for (const offset of [-5, 3, -2, 1, -1, 0, 7, -3, 2, 250, -250, 1000]) {
      clock.set(new Date(Date.parse('2026-05-02T12:00:00.000Z') + offset));
      await scheduler.tick();
      await scheduler.whenIdle();
    }
    await scheduler.stop(1_000);
    const runs = (await runsOf(database)).filter((run) => run.schedule_id === scheduleId);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ scheduled_for: '2026-05-02T12:00:00.000Z', status: 'succeeded', trigger: 'cron' });
  });

  it('two engines over one database with the same clock claim each fire once between them', async () => {
    const userId = users[2] as number;
    const clock = new FakeClock('2026-05-03T07:59:00Z');
    const scheduleId = await insertSchedule(database, { userId, cron: '*/5 * * * *', timezone: 'UTC', from: clock.now() });
    const a = testScheduler(database, clock, noopHandlers(), { instanceId: 'a' });
    const b = testScheduler(database, clock, noopHandlers(), { instanceId: 'b' });
    await a.start();
    await b.start();
    for (let minute = 0; minute <= 31; minute++) {
      clock.set(new Date(Date.parse('2026-05-03T08:00:00Z') + minute * 60_000));
      await Promise.all([a.tick(), b.tick()]);
      await Promise.all([a.whenIdle(), b.whenIdle()]);
    }
    await Promise.all([a.stop(1_000), b.stop(1_000)]);
    const runs = (await runsOf(database)).filter((run) => run.schedule_id === scheduleId);
    expect(runs.map((run) => run.scheduled_for)).toEqual(
      [0, 5, 10, 15, 20, 25, 30].map((m) => new Date(Date.parse('2026-05-03T08:00:00Z') + m * 60_000).toISOString()),
    );
    expect(a.stats().fires.cron + b.stats().fires.cron).toBe(7);
  });

  it('reports its figures through stats()', async () => {
    const userId = users[3] as number;
    await withService(database.db, (tx) => tx.execute(sql`UPDATE job_schedules SET enabled = false`));
    const clock = new FakeClock('2026-05-04T00:00:00Z');
    await insertSchedule(database, { userId, cron: '0 * * * *', timezone: 'UTC', from: clock.now() });
    const scheduler = testScheduler(database, clock, noopHandlers());
    await scheduler.start();
    await walk(clock, scheduler, new Date('2026-05-04T03:00:30Z'));
    const stats = scheduler.stats();
    await scheduler.stop(1_000);
    expect(stats.state).toBe('running');
    expect(stats.fires.cron).toBe(3);
    expect(stats.runs.succeeded).toBe(3);
    expect(stats.schedulesKnown).toBeGreaterThanOrEqual(1);
    expect(stats.nextWakeAt).not.toBeNull();
    expect(stats.lagMs.samples).toBe(3);
    expect(stats.lagMs.p99).toBe(0);
  });
});
