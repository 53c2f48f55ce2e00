// kill -9 of the scheduler process working a year's backfill: another process takes the run back when
// its lease expires and resumes from the last checkpoint. Every chunk committed before the crash is
// fetched once; only the chunk in flight at the crash is fetched again; the year ends complete.
import { queryRows, sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllSchedulerProcesses, startSchedulerProcess, waitUntil } from './fixtures/processes.ts';
import { backfillOf, createUsers, queueBackfills } from './fixtures/seed.ts';

const MULTI_PROCESS_BACKENDS = BACKENDS.filter((backend) => backend === 'postgres');

describe.each(MULTI_PROCESS_BACKENDS)('kill -9 in the middle of a backfill on %s', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await database.db.execute(
      sql`CREATE TABLE fetch_log (id serial PRIMARY KEY, run_id bigint, trigger text, range_from date, range_to date, pid integer)`,
    );
  });
  afterAll(async () => {
    await killAllSchedulerProcesses();
    await database?.dispose();
  });

  it('resumes a 365-day backfill from its checkpoint, fetching no committed chunk twice', async () => {
    const db = database.db;
    // Each chunk's fetch takes 400 ms; the lease is 1.5 s and expired leases are swept every 200 ms.
    const env = {
      DATABASE_URL: database.url as string,
      HANDLER: 'fetch-log:400',
      LEASE_MS: 1_500,
      LEASE_SWEEP_MS: 200,
      POLL_MS: 200,
    };
    const [userId] = await createUsers(db, 1, 'backfiller');
    const victim = await startSchedulerProcess('victim', env);
    const [id] = await queueBackfills(db, [{ userId: userId as number, service: 'meta', from: '2025-01-01', to: '2025-12-31' }]);
    const runId = id as number;
    await waitUntil('three chunks are committed', async () => (await backfillOf(db, runId)).progress_done >= 93, {
      timeoutMs: 20_000,
      intervalMs: 20,
    });
    // In the middle of the fourth chunk's fetch.
    await waitUntil(
      'the fourth chunk is being fetched',
      async () => {
        // The test's own table: read as its owner.
        const [row] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM fetch_log WHERE run_id = ${runId}`);
        return (row?.n ?? 0) >= 4;
      },
      { timeoutMs: 5_000, intervalMs: 10 },
    );
    await victim.crash();
    const atCrash = await backfillOf(db, runId);
    expect(atCrash).toMatchObject({ status: 'running' });
    expect(atCrash.progress_done).toBeGreaterThanOrEqual(93);
    expect(atCrash.progress_done).toBeLessThan(365);

    const survivor = await startSchedulerProcess('survivor', env);
    await waitUntil('the backfill is done', async () => (await backfillOf(db, runId)).status === 'succeeded', {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    await survivor.terminate();

    const fetches = await queryRows<{ range_from: string; range_to: string; pid: number }>(
      db,
      sql`SELECT range_from::text AS range_from, range_to::text AS range_to, pid FROM fetch_log WHERE run_id = ${runId} ORDER BY id`,
    );
    const ranges = fetches.map((f) => `${f.range_from}..${f.range_to}`);
    const distinct = [...new Set(ranges)];
    // Twelve chunks, each fetched once, except the one the crash interrupted: fetched again, by the survivor.
    expect(distinct).toHaveLength(12);
    expect(ranges).toHaveLength(13);
    const twice = distinct.filter((range) => ranges.filter((r) => r === range).length === 2);
    expect(twice).toHaveLength(1);
    const interrupted = fetches.filter((f) => `${f.range_from}..${f.range_to}` === twice[0]);
    expect(interrupted.map((f) => f.pid)).toEqual([victim.pid, survivor.pid]);
    // The interrupted chunk starts the day after the checkpoint the victim committed last.
    expect((interrupted[0]?.range_from ?? '') > (atCrash.checkpoint ?? '')).toBe(true);
    const final = await backfillOf(db, runId);
    expect(final).toMatchObject({ status: 'succeeded', progress_done: 365, checkpoint: '2025-12-31' });
    expect(final.result).toMatchObject({ chunks: 12 });
  }, 90_000);
});
