// kill -9 of a scheduler process in the middle of runs, repeated with a fresh process each round beside a
// process that survives them all: every run ends `succeeded` exactly once, the ones the dead process held
// come back through lease expiry (one lost attempt each), and each run left exactly one effect row.
import { queryRows, type Service, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllSchedulerProcesses, startSchedulerProcess, waitUntil } from './fixtures/processes.ts';
import { createUsers, queueRuns, runsByStatus } from './fixtures/seed.ts';

const MULTI_PROCESS_BACKENDS = BACKENDS.filter((backend) => backend === 'postgres');

const ROUNDS = 3;
const SERVICES: Service[] = ['meta', 'ga4', 'shopify'];

describe.each(MULTI_PROCESS_BACKENDS)('kill -9 in the middle of runs on %s', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await killAllSchedulerProcesses();
    await database?.dispose();
  });

  it(`every run succeeds exactly once across ${ROUNDS} crashes, one effect row each`, async () => {
    const db = database.db;
    // The handler sleeps 2 s around its effect; the lease is 3 s and expired leases are swept every 300 ms.
    const env = {
      DATABASE_URL: database.url as string,
      HANDLER: 'effect-sleep:2000',
      LEASE_MS: 3_000,
      LEASE_SWEEP_MS: 300,
      POLL_MS: 200,
      RETRY_DELAY_MS: 600_000,
    };
    const survivor = await startSchedulerProcess('survivor', { ...env, CONCURRENCY: 12 });
    const users = await createUsers(db, 8);
    const pairs = users.flatMap((userId) => SERVICES.map((service) => ({ userId, service })));
    const killedRuns = new Set<number>();
    const allRuns: number[] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      const victim = await startSchedulerProcess(`victim ${round}`, { ...env, CONCURRENCY: 12 });
      // Each round is for its own fire time, so each round's runs are new rows.
      const runIds = await queueRuns(db, pairs, new Date(Date.UTC(2024, 0, round, 12)));
      allRuns.push(...runIds);
      await waitUntil(
        `victim ${round} holds runs`,
        async () => {
          const rows = await withService(db, (tx) =>
            queryRows<{ id: string }>(
              tx,
              sql`SELECT id FROM job_runs WHERE status = 'running' AND locked_by = ${victim.instanceId}`,
            ),
          );
          return rows.length >= 6;
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      // Mid-run on purpose: some handlers are before their upsert (at 1 s), some after it. The runs
      // cannot finish before 2 s, and the victim takes no more while all its slots are busy.
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 1_000));
      const stillHeld = await withService(db, (tx) =>
        queryRows<{ id: string }>(tx, sql`SELECT id FROM job_runs WHERE status = 'running' AND locked_by = ${victim.instanceId}`),
      );
      expect(stillHeld.length).toBeGreaterThan(0);
      await victim.crash();
      // Whatever the victim held when it died must come back; it cannot have finished after SIGKILL.
      for (const row of stillHeld) killedRuns.add(Number(row.id));

      await waitUntil(
        `every run of round ${round} succeeded`,
        async () => {
          const [row] = await withService(db, (tx) =>
            queryRows<{ n: number }>(
              tx,
              sql`SELECT count(*)::int AS n FROM job_runs
                  WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text(${JSON.stringify(runIds)}::jsonb))
                    AND status = 'succeeded'`,
            ),
          );
          return row?.n === runIds.length;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    }

    expect(survivor.alive).toBe(true);
    const outcome = await survivor.terminate();
    expect(outcome.exit).toEqual({ code: 0, signal: null });

    const runs = await withService(db, (tx) =>
      queryRows<{ id: string; user_id: number; service: Service; scheduled_for: Date; status: string; attempt: number }>(
        tx,
        sql`SELECT id, user_id, service, scheduled_for, status, attempt FROM job_runs ORDER BY id`,
      ),
    );
    expect(runs).toHaveLength(ROUNDS * pairs.length);
    expect(runs.map((run) => Number(run.id))).toEqual(allRuns.sort((a, b) => a - b));
    expect(await runsByStatus(db)).toEqual({ queued: 0, running: 0, succeeded: runs.length, failed: 0, skipped: 0 });

    // A run that died with the victim lost exactly one attempt; every other run needed one.
    const taken = runs.filter((run) => killedRuns.has(Number(run.id)));
    expect(taken.length).toBeGreaterThanOrEqual(ROUNDS);
    const wrongAttempts = runs.filter((run) => run.attempt !== (killedRuns.has(Number(run.id)) ? 2 : 1));
    expect(wrongAttempts).toEqual([]);

    // One effect row per run, for that run's (user, service, fire): a retry rewrote its own row only.
    const effects = await queryRows<{ run_id: string; user_id: number; service: Service; scheduled_for: Date }>(
      db,
      sql`SELECT run_id, user_id, service, scheduled_for FROM handler_effects ORDER BY run_id`,
    );
    expect(effects.map((effect) => Number(effect.run_id))).toEqual(runs.map((run) => Number(run.id)));
    const key = (row: { user_id: number; service: Service; scheduled_for: Date }) =>
      `${row.user_id}:${row.service}:${new Date(row.scheduled_for).toISOString()}`;
    expect(effects.map(key)).toEqual(runs.map(key));
    console.log(`multi-crash: ${runs.length} runs over ${ROUNDS} kills; ${taken.length} taken back after lease expiry`);
  }, 120_000);
});
