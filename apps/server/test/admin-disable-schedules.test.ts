import { updateAdminUser } from '@kpi/api';
import { queryRows, sql, withService } from '@kpi/db';
import { FakeClock } from '@kpi/scheduler/testing';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSchedule, noopHandlers, runsOf, testScheduler, walk } from '../../../packages/scheduler/test/support.ts';
import { createTestUser, type TestUser, testDeps } from './support.ts';

// The engine here is not told of the disable (no scheduleChanged event, no LISTEN), as for an instance
// other than the one that served the admin's request: what stops the fires is the database alone.
describe.each(BACKENDS)('a disabled user’s schedules on %s (injected clock)', (backend) => {
  let database: TestDatabase;
  let admin: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    admin = await createTestUser(database, 'admin', 'admin');
  });
  afterAll(() => database?.dispose());

  const scheduleRow = async (id: number) => {
    const [row] = await withService(database.db, (tx) =>
      queryRows<{ enabled: boolean; parked: boolean; next_run_at: string | null }>(
        tx,
        sql`SELECT enabled, parked_at IS NOT NULL AS parked, next_run_at FROM job_schedules WHERE id = ${id}`,
      ),
    );
    return row && { ...row, next_run_at: row.next_run_at === null ? null : new Date(row.next_run_at).toISOString() };
  };

  it('stop firing while the user is disabled and resume, without catch-up, once enabled', async () => {
    const user = await createTestUser(database, 'disabled-owner');
    const other = await createTestUser(database, 'bystander');
    const clock = new FakeClock('2026-06-01T09:58:00Z');
    const deps = testDeps(database, {}, () => clock.now());
    const hourly = await insertSchedule(database, { userId: user.id, cron: '0 * * * *', timezone: 'UTC', from: clock.now() });
    // Off before the disable: it must stay off after the enable.
    const off = await insertSchedule(database, {
      userId: user.id,
      service: 'ga4',
      cron: '30 * * * *',
      timezone: 'UTC',
      enabled: false,
    });
    const bystander = await insertSchedule(database, { userId: other.id, cron: '0 * * * *', timezone: 'UTC', from: clock.now() });
    const scheduler = testScheduler(database, clock, noopHandlers());
    await scheduler.start();
    try {
      await walk(clock, scheduler, new Date('2026-06-01T10:05:00Z'));
      await updateAdminUser(deps, admin, { id: user.id, disabled: true });
      expect(await scheduleRow(hourly)).toEqual({ enabled: false, parked: true, next_run_at: null });
      expect(await scheduleRow(off)).toEqual({ enabled: false, parked: false, next_run_at: null });

      await walk(clock, scheduler, new Date('2026-06-01T13:05:00Z'));
      await updateAdminUser(deps, admin, { id: user.id, disabled: false });
      expect(await scheduleRow(hourly)).toEqual({
        enabled: true,
        parked: false,
        next_run_at: '2026-06-01T14:00:00.000Z',
      });
      expect(await scheduleRow(off)).toEqual({ enabled: false, parked: false, next_run_at: null });
      // As the NOTIFY of the row's change would tell it (the engine has no LISTEN here): it re-reads the row.
      scheduler.scheduleChanged(hourly);
      await walk(clock, scheduler, new Date('2026-06-01T15:05:00Z'));
    } finally {
      await scheduler.stop(1_000);
    }
    const fired = (id: number) =>
      runsOf(database, sql`schedule_id = ${id}`).then((runs) =>
        runs.map((run) => `${run.scheduled_for} ${run.trigger} ${run.status}`),
      );
    expect(await fired(hourly)).toEqual([
      '2026-06-01T10:00:00.000Z cron succeeded',
      '2026-06-01T14:00:00.000Z cron succeeded',
      '2026-06-01T15:00:00.000Z cron succeeded',
    ]);
    expect(await fired(off)).toEqual([]);
    expect((await fired(bystander)).length).toBe(6);
  });

  it('skips the user’s queued runs at once; a later enable does not bring them back', async () => {
    const user = await createTestUser(database, 'queued-owner');
    const [queued] = await withService(database.db, (tx) =>
      queryRows<{ id: string }>(
        tx,
        sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, run_after)
            VALUES (${user.id}, 'shopify', 'manual', now(), 'queued', now() + interval '1 hour') RETURNING id`,
      ),
    );
    await updateAdminUser(testDeps(database), admin, { id: user.id, disabled: true });
    await updateAdminUser(testDeps(database), admin, { id: user.id, disabled: false });
    const [run] = await runsOf(database, sql`id = ${Number(queued?.id)}`);
    expect(run).toMatchObject({ status: 'skipped', error: 'the account was disabled before the run started' });
  });
});
