// SIGTERM while a handler runs: within the grace period the run finishes and is recorded; past it the
// run is handed back to the queue with the interrupted attempt not counted, and another process runs it.
import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllSchedulerProcesses, type SchedulerProcess, startSchedulerProcess, waitUntil } from './fixtures/processes.ts';
import { createUsers, queueRuns } from './fixtures/seed.ts';

const MULTI_PROCESS_BACKENDS = BACKENDS.filter((backend) => backend === 'postgres');

type RunRow = {
  status: string;
  attempt: number;
  locked_by: string | null;
  result: { pid?: number } | null;
  error: string | null;
};

describe.each(MULTI_PROCESS_BACKENDS)('graceful shutdown of a scheduler process on %s', (backend) => {
  let database: TestDatabase;
  let users: number[];

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    users = await createUsers(database.db, 2);
  });
  afterAll(async () => {
    await killAllSchedulerProcesses();
    await database?.dispose();
  });

  const readRun = async (runId: number) => {
    const [row] = await withService(database.db, (tx) =>
      queryRows<RunRow>(tx, sql`SELECT status, attempt, locked_by, result, error FROM job_runs WHERE id = ${runId}`),
    );
    return row as RunRow;
  };
  const startedBy = (proc: SchedulerProcess, runId: number) =>
    waitUntil(
      `${proc.name} is running job ${runId}`,
      async () => {
        const run = await readRun(runId);
        return run.status === 'running' && run.locked_by === proc.instanceId;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );

  it('a handler shorter than the grace period finishes and succeeds', async () => {
    const env = { DATABASE_URL: database.url as string, HANDLER: 'sleep:2500', SHUTDOWN_GRACE_MS: 8_000 };
    const proc = await startSchedulerProcess('patient', env);
    const [runId] = (await queueRuns(database.db, [{ userId: users[0] as number, service: 'meta' }], new Date())) as [number];
    await startedBy(proc, runId);
    const began = Date.now();
    const outcome = await proc.terminate();
    expect(outcome).toEqual({ finished: 1, released: 0, exit: { code: 0, signal: null } });
    // It waited for the handler, not for the whole grace period.
    expect(Date.now() - began).toBeLessThan(7_000);
    const run = await readRun(runId);
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1, locked_by: null, error: null });
    expect(run.result?.pid).toBe(proc.pid);
  }, 60_000);

  it('a handler longer than the grace period is released uncounted, and another process completes it', async () => {
    const env = { DATABASE_URL: database.url as string, HANDLER: 'sleep:10000', SHUTDOWN_GRACE_MS: 1_000 };
    const first = await startSchedulerProcess('hurried', env);
    const [runId] = (await queueRuns(database.db, [{ userId: users[1] as number, service: 'ga4' }], new Date())) as [number];
    await startedBy(first, runId);
    const began = Date.now();
    const outcome = await first.terminate();
    expect(outcome).toEqual({ finished: 0, released: 1, exit: { code: 0, signal: null } });
    expect(Date.now() - began).toBeLessThan(5_000);
    // Back in the queue, the interrupted attempt not counted, no lease left behind.
    expect(await readRun(runId)).toMatchObject({ status: 'queued', attempt: 0, locked_by: null });

    const second = await startSchedulerProcess('successor', { ...env, HANDLER: 'sleep:300' });
    await waitUntil('the successor completed the released run', async () => (await readRun(runId)).status === 'succeeded', {
      timeoutMs: 10_000,
    });
    const run = await readRun(runId);
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1, locked_by: null });
    expect(run.result?.pid).toBe(second.pid);
    expect((await second.terminate()).exit).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('SIGTERM while the worker is claiming leaves no run running and no outcome unrecorded', async () => {
    const db = database.db;
    const many = await createUsers(db, 500, 'busy');
    const proc = await startSchedulerProcess('busy', {
      DATABASE_URL: database.url as string,
      HANDLER: 'noop',
      CONCURRENCY: 4,
      SHUTDOWN_GRACE_MS: 5_000,
    });
    await queueRuns(
      db,
      many.flatMap((userId) => (['meta', 'ga4', 'shopify'] as const).map((service) => ({ userId, service }))),
      new Date(),
    );
    await waitUntil(
      'some runs succeeded',
      async () => {
        const [row] = await withService(db, (tx) =>
          queryRows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM job_runs WHERE status = 'succeeded'`),
        );
        return (row?.n ?? 0) >= 20;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect((await proc.terminate()).exit).toEqual({ code: 0, signal: null });
    const running = await withService(db, (tx) =>
      queryRows<{ id: string }>(tx, sql`SELECT id FROM job_runs WHERE status = 'running'`),
    );
    expect(running).toEqual([]);
    expect(proc.stderr).not.toContain('Cannot use a pool after calling end');
  }, 60_000);
});
