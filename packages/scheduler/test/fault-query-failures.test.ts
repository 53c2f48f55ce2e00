// Database calls failing (shortened from a minute to 20 s): in two scheduler processes a driver
// wrapper makes 10% of queries throw before they are sent and 20% of COMMITs commit and then
// throw as if the acknowledgement was lost, while every-second schedules fire and manual runs queue.
// Every fire still runs exactly once: the unique (schedule_id, scheduled_for) catches a claim whose
// COMMIT landed unacknowledged, and a run's handler executes once (counted by its side effect).
import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditExactlyOnce, createSideEffectTable, queueManualRuns, settle } from './fixtures/fault-checks.ts';
import { eventually, startFaultProcess, terminateFault } from './fixtures/fault-tools.ts';
import { killAllSchedulerProcesses } from './fixtures/processes.ts';
import { createUsers, insertSchedules } from './fixtures/seed.ts';

// Child processes on a shared server: PostgreSQL only. Without it nothing is registered.
const FAULT_BACKENDS = BACKENDS.filter((backend) => backend === 'postgres');

const USERS = 12;
const WINDOW_MS = 20_000;

describe.each(FAULT_BACKENDS)('a fifth of database calls failing, on %s', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await createSideEffectTable(database.db);
  });
  afterAll(async () => {
    await killAllSchedulerProcesses();
    await database?.dispose();
  });

  it('runs every fire exactly once, before-send failures and lost COMMIT acknowledgements alike', async () => {
    const db = database.db;
    const users = await createUsers(db, USERS, 'flaky');
    const first = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
    await insertSchedules(
      db,
      users.map((userId) => ({ userId, service: 'meta', cron: '* * * * * *', enabled: true, nextRunAt: first })),
    );
    const faultUntil = first.getTime() + WINDOW_MS;
    const env = {
      DATABASE_URL: database.url as string,
      HANDLER: 'count',
      FAULT_BEFORE_RATE: 0.1,
      // Claims and completions are batched, so a process sends only some dozens of COMMITs in the window:
      // a fifth of them, so that a handful of acknowledgements is really lost.
      FAULT_COMMIT_ACK_RATE: 0.2,
      FAULT_UNTIL: faultUntil,
      CONCURRENCY: 8,
      POOL_SIZE: 6,
      // Long enough that a few failed renewals in a row (a fifth of calls fail, and the CPU is shared with
      // other suites) do not expire a live run's lease: an expired lease hands the run to another worker.
      LEASE_MS: 10_000,
      LEASE_SWEEP_MS: 1_000,
      POLL_MS: 500,
      RECONCILE_MS: 5_000,
      MAX_SLEEP_MS: 2_000,
      RETRY_DELAY_MS: 1_000,
      MAX_ATTEMPTS: 10,
      GRACE_MS: 60_000,
      SHUTDOWN_GRACE_MS: 5_000,
    };
    // Start-up itself runs under the faults; a process that cannot start is a failure too.
    const processes = await Promise.all(['a', 'b'].map(async (name) => (await startFaultProcess(`scheduler ${name}`, env)).proc));

    let queued = 0;
    while (Date.now() < faultUntil) {
      queued += await queueManualRuns(db, users, ['ga4', 'shopify']);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (const proc of processes) expect(proc.alive, `${proc.name} died:\n${proc.stderr.slice(-3000)}`).toBe(true);
    }
    await withService(db, (tx) => tx.execute(sql`UPDATE job_schedules SET enabled = false, updated_at = now()`));
    await settle(db, 30_000);

    // Listener connections that failed their LISTEN were closed, not leaked: two channels per process.
    await eventually(
      'each process holds exactly its two LISTEN connections',
      async () => {
        const [row] = await queryRows<{ n: number }>(
          db,
          sql`SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = 'kpi-sync-listener'`,
        );
        return row?.n === 2 * processes.length;
      },
      10_000,
    );

    const audit = await auditExactlyOnce(database, USERS);
    const outcomes = await Promise.all(processes.map((proc) => terminateFault(proc)));
    const injected = outcomes.map(
      (outcome) => outcome.stopped.injected as { before: number; commitAck: number; queries: number },
    );
    console.log(
      `fault-query-failures: injected ${injected.map((i) => `${i.before} before-send + ${i.commitAck} lost COMMIT acks of ${i.queries} queries`).join(', ')}; ` +
        `${audit.fires} fires over ${audit.schedules} schedules, ${queued} manual runs queued; succeeded ${audit.succeeded}, skipped ${audit.skipped}`,
    );
    expect(audit.problems).toEqual([]);
    expect(audit.fires).toBeGreaterThanOrEqual(USERS * (WINDOW_MS / 1000 - 2));
    expect(audit.manual).toBe(queued);
    for (const [index, outcome] of outcomes.entries()) {
      expect(outcome.exit).toEqual({ code: 0, signal: null });
      expect(outcome.stopped.databaseClosed).toBe(true);
      // The faults really happened, at about the rates asked for.
      const counts = injected[index] as { before: number; commitAck: number; queries: number };
      expect(counts.before).toBeGreaterThan(counts.queries * 0.05);
      expect(counts.commitAck).toBeGreaterThan(3);
    }
  }, 120_000);
});
