// A schedule changed in the database (as its user would, through the tenant path) is seen by running
// instances within a couple of seconds. The periodic reconcile and the wake-up cap are set to two
// minutes here, so only LISTEN/NOTIFY can explain a process that learns of a change in time.
import { queryRows, sql, withService, withTenant } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllSchedulerProcesses, type SchedulerProcess, startSchedulerProcess, waitUntil } from './fixtures/processes.ts';
import { createUsers, insertSchedules } from './fixtures/seed.ts';

const MULTI_PROCESS_BACKENDS = BACKENDS.filter((backend) => backend === 'postgres');

const nextSecond = (plusMs = 0) => new Date(Math.ceil((Date.now() + plusMs) / 1000) * 1000);

describe.each(MULTI_PROCESS_BACKENDS)('live schedule changes across processes on %s', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await killAllSchedulerProcesses();
    await database?.dispose();
  });

  it('a disable stops the fires, an enable and a cron change fire within seconds, a deleted user is forgotten', async () => {
    const db = database.db;
    const [u1, u2, u3] = (await createUsers(db, 3)) as [number, number, number];
    const [s1, s2, s3] = (await insertSchedules(db, [
      { userId: u1, service: 'meta', cron: '* * * * * *', enabled: true, nextRunAt: nextSecond(1_000) },
      { userId: u2, service: 'meta', cron: '* * * * * *', enabled: false, nextRunAt: null },
      { userId: u3, service: 'meta', cron: '0 0 1 1 *', enabled: true, nextRunAt: new Date(Date.UTC(2100, 0, 1)) },
    ])) as [number, number, number];
    const env = { DATABASE_URL: database.url as string, HANDLER: 'noop', RECONCILE_MS: 120_000, MAX_SLEEP_MS: 120_000 };
    const processes = [await startSchedulerProcess('a', env), await startSchedulerProcess('b', env)];

    const fires = async (scheduleId: number) =>
      withService(db, (tx) =>
        queryRows<{ scheduled_for: Date; created_at: Date }>(
          tx,
          sql`SELECT scheduled_for, created_at FROM job_runs WHERE schedule_id = ${scheduleId} ORDER BY scheduled_for`,
        ),
      );
    /** Every process's engine, asked directly, agrees with `check` within the deadline. */
    const everyProcess = (what: string, check: (known: number, nextWakeAt: number | null) => boolean, timeoutMs: number) =>
      Promise.all(
        processes.map((proc: SchedulerProcess) =>
          waitUntil(
            `${proc.name} ${what}`,
            async () => {
              const stats = await proc.stats();
              return check(stats.schedulesKnown, stats.nextWakeAt ? Date.parse(stats.nextWakeAt) : null);
            },
            { timeoutMs, intervalMs: 100 },
          ),
        ),
      );

    await waitUntil('s1 fired three times', async () => (await fires(s1)).length >= 3, { timeoutMs: 10_000 });
    await everyProcess('knows s1 and s3', (known) => known === 2, 2_000);

    // 1. The user disables s1: no fire after the change committed, and both engines drop it from their heap.
    await withTenant(db, u1, (tx) =>
      tx.execute(sql`UPDATE job_schedules SET enabled = false, updated_at = now() WHERE service = 'meta'`),
    );
    const [committed] = await queryRows<{ at: Date }>(db, sql`SELECT clock_timestamp() AS at`);
    const disabledAt = new Date((committed as { at: Date }).at).getTime();
    await everyProcess('forgot the disabled s1', (known) => known === 1, 2_000);

    // 2. The user enables s2 (first fire in about a second), and the user of s3 makes it every-2-seconds.
    const s2First = nextSecond(1_000);
    const s3First = new Date(Math.ceil((Date.now() + 1_000) / 2_000) * 2_000);
    await withTenant(db, u2, (tx) =>
      tx.execute(
        sql`UPDATE job_schedules SET enabled = true, next_run_at = ${s2First}, updated_at = now() WHERE service = 'meta'`,
      ),
    );
    await withTenant(db, u3, (tx) =>
      tx.execute(
        sql`UPDATE job_schedules SET cron_expression = '*/2 * * * * *', next_run_at = ${s3First}, updated_at = now()
            WHERE service = 'meta'`,
      ),
    );
    // Both engines re-armed for the new fires (not for 2100, not for the two-minute cap): nothing else is near.
    await everyProcess(
      're-armed for s2 and s3',
      (known, wake) => known === 2 && wake !== null && wake <= Date.now() + 3_000,
      2_000,
    );
    await waitUntil(
      's2 fired three times and s3 twice',
      async () => (await fires(s2)).length >= 3 && (await fires(s3)).length >= 2,
      {
        timeoutMs: 10_000,
      },
    );
    const s2Fires = await fires(s2);
    const s3Fires = await fires(s3);
    expect(new Date((s2Fires[0] as { scheduled_for: Date }).scheduled_for).toISOString()).toBe(s2First.toISOString());
    expect(new Date((s3Fires[0] as { scheduled_for: Date }).scheduled_for).toISOString()).toBe(s3First.toISOString());
    for (const fire of [...s2Fires, ...s3Fires]) {
      // Claimed on time: the engines were armed for it (without the notification they would sleep two minutes).
      expect(new Date(fire.created_at).getTime() - new Date(fire.scheduled_for).getTime()).toBeLessThan(2_000);
    }
    expect(s3Fires.every((fire) => new Date(fire.scheduled_for).getUTCSeconds() % 2 === 0)).toBe(true);

    // s1 has not fired since it was disabled (a claim that began before the commit may hold the last second).
    const s1Fires = await fires(s1);
    const lastS1 = new Date((s1Fires[s1Fires.length - 1] as { scheduled_for: Date }).scheduled_for).getTime();
    expect(lastS1).toBeLessThanOrEqual(disabledAt);

    // 3. Deleting a user removes its schedule (CASCADE) and runs; the engines forget it.
    await withService(db, (tx) => tx.execute(sql`DELETE FROM users WHERE id = ${u3}`));
    await everyProcess('forgot the deleted s3', (known) => known === 1, 2_000);
    expect(await fires(s3)).toEqual([]);

    for (const proc of processes) expect((await proc.terminate()).exit).toEqual({ code: 0, signal: null });
  }, 90_000);
});
