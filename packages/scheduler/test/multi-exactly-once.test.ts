// Three scheduler processes on one PostgreSQL database, 200 schedules firing every second for 30 s:
// every (schedule, second) is claimed exactly once (the unique key forbids a second row, so what this
// proves is that none is missing), every run finishes, and nothing is left behind after a graceful stop.
import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllSchedulerProcesses, startSchedulerProcess, waitUntil } from './fixtures/processes.ts';
import { createUsers, insertSchedules, runsByStatus } from './fixtures/seed.ts';

// Several processes need a shared server: PostgreSQL only. Without it nothing is registered.
const MULTI_PROCESS_BACKENDS = BACKENDS.filter((backend) => backend === 'postgres');

const SCHEDULES = 200;
const WINDOW_MS = 30_000;

describe.each(MULTI_PROCESS_BACKENDS)('three scheduler processes on one %s database', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await killAllSchedulerProcesses();
    await database?.dispose();
  });

  it(`claims every second of ${SCHEDULES} per-second schedules exactly once for 30 s, none missing`, async () => {
    const db = database.db;
    const env = { DATABASE_URL: database.url as string, HANDLER: 'noop', CONCURRENCY: 16, POOL_SIZE: 12 };
    const processes = await Promise.all(['a', 'b', 'c'].map((name) => startSchedulerProcess(`scheduler ${name}`, env)));

    const users = await createUsers(db, SCHEDULES);
    const first = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    const last = new Date(first.getTime() + WINDOW_MS);
    const scheduleIds = await insertSchedules(
      db,
      users.map((userId) => ({ userId, service: 'meta', cron: '* * * * * *', enabled: true, nextRunAt: first })),
    );
    expect(new Set(scheduleIds).size).toBe(SCHEDULES);

    // The window is over once every schedule has its fire for the window's last second.
    await waitUntil(
      'every schedule has a run for the last second of the window',
      async () => {
        const [row] = await withService(db, (tx) =>
          queryRows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM job_runs WHERE scheduled_for = ${last}`),
        );
        return (row?.n ?? 0) >= SCHEDULES;
      },
      { timeoutMs: last.getTime() - Date.now() + 15_000, intervalMs: 250 },
    );

    // Stop the fires, let the queue drain, then stop every process gracefully.
    await withService(db, (tx) => tx.execute(sql`UPDATE job_schedules SET enabled = false, updated_at = now()`));
    await waitUntil(
      'no run is queued or running',
      async () => {
        const counts = await runsByStatus(db);
        return counts.queued === 0 && counts.running === 0;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const outcomes = await Promise.all(processes.map((proc) => proc.terminate()));
    for (const outcome of outcomes) expect(outcome.exit).toEqual({ code: 0, signal: null });

    // Per schedule: its first fire is the first second, its last at or after the window's end, and
    // every second in between is present. One row per (schedule, second) is the unique key's job.
    const spans = await withService(db, (tx) =>
      queryRows<{ schedule_id: string; first: Date; last: Date; fires: number; distinct_fires: number }>(
        tx,
        sql`SELECT schedule_id, min(scheduled_for) AS first, max(scheduled_for) AS last,
                   count(*)::int AS fires, count(DISTINCT scheduled_for)::int AS distinct_fires
            FROM job_runs WHERE schedule_id IS NOT NULL GROUP BY schedule_id`,
      ),
    );
    expect(spans).toHaveLength(SCHEDULES);
    const gaps: string[] = [];
    for (const span of spans) {
      const expected = (new Date(span.last).getTime() - new Date(span.first).getTime()) / 1000 + 1;
      if (span.fires !== expected || span.distinct_fires !== span.fires) {
        gaps.push(`schedule ${span.schedule_id}: ${span.fires} fires for ${expected} seconds`);
      }
      expect(new Date(span.first).toISOString()).toBe(first.toISOString());
      expect(new Date(span.last).getTime()).toBeGreaterThanOrEqual(last.getTime());
    }
    expect(gaps).toEqual([]);
    // Fires are whole seconds, nothing else (a fire computed off the grid would be a duplicate in disguise).
    const [offGrid] = await withService(db, (tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`SELECT count(*)::int AS n FROM job_runs WHERE scheduled_for <> date_trunc('second', scheduled_for)`,
      ),
    );
    expect(offGrid?.n).toBe(0);

    // Every run finished: succeeded, or skipped with its reason. None was left queued or running.
    const counts = await runsByStatus(db);
    expect(counts.queued).toBe(0);
    expect(counts.running).toBe(0);
    expect(counts.failed).toBe(0);
    const total = spans.reduce((sum, span) => sum + span.fires, 0);
    expect(counts.succeeded + counts.skipped).toBe(total);
    const [unexplained] = await withService(db, (tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`SELECT count(*)::int AS n FROM job_runs WHERE status = 'skipped' AND (error IS NULL OR error = '')`,
      ),
    );
    expect(unexplained?.n).toBe(0);

    // All three processes did work (each noop run records the pid that ran it).
    const byPid = await withService(db, (tx) =>
      queryRows<{ pid: string; n: number }>(
        tx,
        sql`SELECT result->>'pid' AS pid, count(*)::int AS n FROM job_runs WHERE status = 'succeeded' GROUP BY 1`,
      ),
    );
    const pids = new Set(processes.map((proc) => String(proc.pid)));
    expect(byPid.filter((row) => pids.has(row.pid)).length).toBe(3);

    const [lag] = await withService(db, (tx) =>
      queryRows<{ p50: number; p99: number; max: number }>(
        tx,
        sql`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max
            FROM (SELECT extract(epoch FROM created_at - scheduled_for) * 1000 AS ms FROM job_runs) AS lags`,
      ),
    );
    console.log(
      `multi-exactly-once: ${total} fires over ${spans.length} schedules; succeeded ${counts.succeeded}, ` +
        `skipped ${counts.skipped}; runs per process ${byPid.map((row) => `${row.pid}=${row.n}`).join(' ')}; ` +
        `claim lag ms p50 ${Math.round(lag?.p50 ?? 0)} p99 ${Math.round(lag?.p99 ?? 0)} max ${Math.round(lag?.max ?? 0)}`,
    );
  }, 120_000);
});
