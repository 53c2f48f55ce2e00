// The claim of queued runs closes, as skipped, the cron runs of a schedule disabled while they waited,
// starts the others of the same claim, and still starts a manual run of a disabled schedule.
import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimQueuedRuns } from '../src/run-queries.ts';
import { insertSchedules } from './fixtures/seed.ts';
import { createUsers } from './support.ts';

describe.each(BACKENDS)('claiming queued runs of disabled schedules on %s', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(() => database?.dispose());

  it('skips the cron run of a disabled schedule, runs the rest, and runs a manual run of a disabled one', async () => {
    const users = await createUsers(database, 3);
    const scheduledFor = new Date('2024-05-01T08:00:00Z');
    const seeds = users.map((userId) => ({
      userId,
      service: 'meta' as const,
      cron: '0 8 * * *',
      enabled: true,
      nextRunAt: null,
    }));
    const ids = await insertSchedules(database.db, seeds);
    const triggers = ['cron', 'cron', 'manual'];
    await withService(database.db, async (tx) => {
      for (const [index, scheduleId] of ids.entries()) {
        await tx.execute(sql`INSERT INTO job_runs (user_id, schedule_id, service, trigger, scheduled_for, status, max_attempts, run_after)
          VALUES (${users[index]}, ${scheduleId}, 'meta', ${triggers[index]}, ${scheduledFor}, 'queued', 3, ${scheduledFor})`);
      }
      // The first schedule (cron run) and the third (manual run) are disabled while their runs wait.
      await tx.execute(sql`UPDATE job_schedules SET enabled = false WHERE id IN (${ids[0]}, ${ids[2]})`);
    });
    const now = new Date('2024-05-01T08:00:05Z');
    const claimed = await claimQueuedRuns(database.db, {
      now,
      limit: 10,
      workerId: 'w1',
      lockedUntil: new Date(now.getTime() + 60_000),
    });
    expect(claimed.skipped).toBe(1);
    expect(claimed.runs.map((run) => run.userId).sort()).toEqual([users[1], users[2]].sort());
    const rows = await withService(database.db, (tx) =>
      queryRows<{ schedule_id: string; status: string; error: string | null; locked_by: string | null; attempt: number }>(
        tx,
        sql`SELECT schedule_id, status, error, locked_by, attempt FROM job_runs ORDER BY schedule_id`,
      ),
    );
    expect(rows.map(({ schedule_id, ...rest }) => ({ schedule: Number(schedule_id), ...rest }))).toEqual([
      { schedule: ids[0], status: 'skipped', error: 'schedule was disabled before the run started', locked_by: null, attempt: 0 },
      { schedule: ids[1], status: 'running', error: null, locked_by: 'w1', attempt: 1 },
      { schedule: ids[2], status: 'running', error: null, locked_by: 'w1', attempt: 1 },
    ]);
  });
});
