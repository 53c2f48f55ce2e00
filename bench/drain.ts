// Drain: a minute-aligned burst of I/O-bound syncs, as when many users pick "daily at 06:00". N runs fall
// due at once; each handler waits like a network call (half before its one-row upsert, half after) and
// writes one row. One scheduler process (packages/scheduler/test/fixtures/scheduler-process.ts) per
// worker concurrency; the baseline is concurrency 4, the default before this benchmark.
//
//   pnpm bench drain [--runs=1000] [--sync-ms=500] [--concurrencies=4,16,32,64]
import { queryRows, type Service, sql } from '@kpi/db';
import { killAllSchedulerProcesses, startSchedulerProcess } from '../packages/scheduler/test/fixtures/processes.ts';
import { createUsers, queueRuns } from '../packages/scheduler/test/fixtures/seed.ts';
import { fmt, openBenchDatabase, option, sleep } from './bench-kit.ts';

const SERVICES: Service[] = ['meta', 'ga4', 'shopify'];
const RUNS = option('runs', 1_000);
const SYNC_MS = option('sync-ms', 500);
const listArg = process.argv.find((a) => a.startsWith('--concurrencies='));
const CONCURRENCIES = listArg ? listArg.slice('--concurrencies='.length).split(',').map(Number) : [4, 16, 32, 64];

type Row = { concurrency: number; drainMs: number; p50: number; p99: number; max: number; failed: number };

const bench = await openBenchDatabase();
try {
  const db = bench.database.db;
  const users = await createUsers(db, Math.ceil(RUNS / SERVICES.length), 'drain');
  const pairs = users.flatMap((userId) => SERVICES.map((service) => ({ userId, service }))).slice(0, RUNS);
  console.log(`drain: ${fmt(RUNS, 0)} runs due at once, each a ${SYNC_MS} ms sync plus a one-row upsert, 1 process, PostgreSQL`);
  const rows: Row[] = [];
  for (const [index, concurrency] of CONCURRENCIES.entries()) {
    const proc = await startSchedulerProcess(`concurrency ${concurrency}`, {
      DATABASE_URL: bench.url,
      HANDLER: `effect-sleep:${SYNC_MS}`,
      CONCURRENCY: concurrency,
      POLL_MS: 1_000,
    });
    // A day of its own per round, so every round's runs are new rows and its effects new upserts.
    const scheduledFor = new Date(Date.UTC(2024, 0, index + 1));
    const started = performance.now();
    await queueRuns(db, pairs, scheduledFor);
    for (;;) {
      const [row] = await queryRows<{ open: number }>(
        db,
        sql`SELECT count(*)::int AS open FROM job_runs WHERE scheduled_for = ${scheduledFor} AND status IN ('queued', 'running')`,
      );
      if (row?.open === 0) break;
      if (performance.now() - started > 900_000) throw new Error(`concurrency ${concurrency}: not drained after 15 min`);
      await sleep(100);
    }
    await proc.terminate();
    // Start lag counts from when the run was queued, by the database's own timestamps.
    const [stats] = await queryRows<{ drain: number; p50: number; p99: number; max: number; failed: number }>(
      db,
      sql`SELECT extract(epoch FROM max(finished_at) - min(created_at)) * 1000 AS drain,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)) * 1000 AS p50,
                 percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)) * 1000 AS p99,
                 max(extract(epoch FROM started_at - created_at)) * 1000 AS max,
                 count(*) FILTER (WHERE status <> 'succeeded')::int AS failed
          FROM job_runs WHERE scheduled_for = ${scheduledFor}`,
    );
    rows.push({
      concurrency,
      drainMs: Number(stats?.drain),
      p50: Number(stats?.p50),
      p99: Number(stats?.p99),
      max: Number(stats?.max),
      failed: stats?.failed ?? 0,
    });
  }
  const baseline = rows[0];
  console.table(
    rows.map((row) => ({
      concurrency: row.concurrency,
      'all done (s)': fmt(row.drainMs / 1000),
      'runs/s': fmt((RUNS / row.drainMs) * 1000, 0),
      'start lag p50 (s)': fmt(row.p50 / 1000),
      'start lag p99 (s)': fmt(row.p99 / 1000),
      'not succeeded': row.failed,
      [`speed-up vs ${baseline?.concurrency}`]: baseline ? `${fmt(baseline.drainMs / row.drainMs, 1)}x` : '',
    })),
  );
} finally {
  await killAllSchedulerProcesses();
  await bench.drop();
}
process.exit(0);
