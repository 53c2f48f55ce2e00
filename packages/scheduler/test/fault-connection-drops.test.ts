// Connections dropped mid-transaction: two scheduler processes reach PostgreSQL through a TCP proxy on
// loopback that destroys live connections every 200-700 ms (idle, mid-query, mid-transaction, between
// a COMMIT and its acknowledgement) for 20 s, while every-second schedules fire and manual runs queue.
// Afterwards: no partial claim, no fire missing or doubled, no run executed twice, none left running.

import { sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditExactlyOnce, createSideEffectTable, queueManualRuns, settle } from './fixtures/fault-checks.ts';
import { CuttingProxy, startFaultProcess, terminateFault } from './fixtures/fault-tools.ts';
import { killAllSchedulerProcesses } from './fixtures/processes.ts';
import { createUsers, insertSchedules } from './fixtures/seed.ts';

// A proxy in front of a real server: PostgreSQL only. Without it nothing is registered.
const FAULT_BACKENDS = BACKENDS.filter((backend) => backend === 'postgres');

const USERS = 12;
const WINDOW_MS = 20_000;

describe.each(FAULT_BACKENDS)('connections cut at random between schedulers and %s', (backend) => {
  let database: TestDatabase;
  let proxy: CuttingProxy | undefined;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await createSideEffectTable(database.db);
  });
  afterAll(async () => {
    await killAllSchedulerProcesses();
    await proxy?.close();
    await database?.dispose();
  });

  it('leaves no partial claim, no duplicate and no run stuck running', async () => {
    const db = database.db;
    const direct = new URL(database.url as string);
    proxy = await CuttingProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(direct.toString());
    viaProxy.port = String(proxy.port);
    const env = {
      DATABASE_URL: viaProxy.toString(),
      SIDE_EFFECT_URL: direct.toString(),
      HANDLER: 'count',
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
    const processes = await Promise.all(['a', 'b'].map(async (name) => (await startFaultProcess(`scheduler ${name}`, env)).proc));

    const users = await createUsers(db, USERS, 'cut');
    const first = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    await insertSchedules(
      db,
      users.map((userId) => ({ userId, service: 'meta', cron: '* * * * * *', enabled: true, nextRunAt: first })),
    );
    proxy.startCutting(200, 700);
    const end = Date.now() + WINDOW_MS;
    let queued = 0;
    while (Date.now() < end) {
      queued += await queueManualRuns(db, users, ['ga4', 'shopify']);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (const proc of processes) expect(proc.alive, `${proc.name} died:\n${proc.stderr.slice(-3000)}`).toBe(true);
    }
    proxy.stopCutting();
    const cuts = proxy.cuts;
    await withService(db, (tx) => tx.execute(sql`UPDATE job_schedules SET enabled = false, updated_at = now()`));
    await settle(db, 30_000);
    for (const proc of processes) expect(proc.alive, `${proc.name} died:\n${proc.stderr.slice(-3000)}`).toBe(true);

    const audit = await auditExactlyOnce(database, USERS);
    console.log(
      `fault-connection-drops: ${cuts} connections cut; ${audit.fires} fires over ${audit.schedules} schedules, ` +
        `${queued} manual runs queued; succeeded ${audit.succeeded}, skipped ${audit.skipped}`,
    );
    expect(audit.problems).toEqual([]);
    expect(cuts).toBeGreaterThan(20);
    expect(audit.fires).toBeGreaterThanOrEqual(USERS * (WINDOW_MS / 1000 - 2));
    expect(audit.manual).toBe(queued);

    // A graceful stop still works: the pools got every client back (none lost to a dropped connection).
    const outcomes = await Promise.all(processes.map((proc) => terminateFault(proc)));
    for (const outcome of outcomes) {
      expect(outcome.exit).toEqual({ code: 0, signal: null });
      expect(outcome.stopped.databaseClosed).toBe(true);
    }
  }, 120_000);
});
