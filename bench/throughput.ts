import { availableParallelism } from 'node:os';
// Throughput: no-op runs claimed, run and completed per second on PostgreSQL, with 1 and 3 scheduler
// processes (packages/scheduler/test/fixtures/scheduler-process.ts). The queue is filled in one statement
// once every process is ready; the clock stops when the last run is `succeeded`.
//
//   pnpm --filter @kpi/bench throughput [--runs=6000] [--concurrency=4]
import { queryRows, type Service, sql } from '@kpi/db';
import {
  killAllSchedulerProcesses,
  type SchedulerProcess,
  startSchedulerProcess,
} from '../packages/scheduler/test/fixtures/processes.ts';
import { createUsers, queueRuns } from '../packages/scheduler/test/fixtures/seed.ts';
import { fmt, openBenchDatabase, option, sleep } from './bench-kit.ts';

const SERVICES: Service[] = ['meta', 'ga4', 'shopify'];
const RUNS = option('runs', 6_000);
const CONCURRENCY = option('concurrency', 4);

const bench = await openBenchDatabase();
try {
  const db = bench.database.db;
  // One active run per (user, service) is the rule, so the queue needs RUNS distinct pairs.
  const users = await createUsers(db, Math.ceil(RUNS / SERVICES.length), 'throughput');
  const pairs = users.flatMap((userId) => SERVICES.map((service) => ({ userId, service }))).slice(0, RUNS);

  console.log(`throughput: ${fmt(RUNS, 0)} no-op runs, worker concurrency ${CONCURRENCY} per process, PostgreSQL`);
  const rates: Record<number, number> = {};
  for (const count of [1, 3]) {
    const env = { DATABASE_URL: bench.url, HANDLER: 'noop', CONCURRENCY, POLL_MS: 1_000 };
    const processes: SchedulerProcess[] = await Promise.all(
      Array.from({ length: count }, (_, i) => startSchedulerProcess(`worker ${i + 1}`, env)),
    );
    const scheduledFor = new Date(Date.UTC(2024, 0, count));
    const started = performance.now();
    await queueRuns(db, pairs, scheduledFor);
    // The poll reads the two partial indexes that hold only queued and running runs, so it costs the same
    // however much history earlier batches left (a count by scheduled_for scanned all of it, 12-26 % of a
    // core every 50 ms, taken from the system being measured). The batch is checked once it is done.
    for (;;) {
      const [row] = await queryRows<{ n: number }>(
        db,
        sql`SELECT (SELECT count(*) FROM job_runs WHERE status = 'queued')::int
                 + (SELECT count(*) FROM job_runs WHERE status = 'running')::int AS n`,
      );
      if ((row?.n ?? 1) === 0) break;
      if (performance.now() - started > 300_000) throw new Error(`${row?.n} of ${RUNS} runs not done after 300 s`);
      await sleep(50);
    }
    const [outcome] = await queryRows<{ done: number; failed: number }>(
      db,
      sql`SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS done,
                 count(*) FILTER (WHERE status = 'failed')::int AS failed
          FROM job_runs WHERE scheduled_for = ${scheduledFor}`,
    );
    if (outcome?.failed) console.warn(`  ${outcome.failed} runs failed`);
    if ((outcome?.done ?? 0) + (outcome?.failed ?? 0) !== RUNS)
      throw new Error(`${outcome?.done ?? 0} succeeded and ${outcome?.failed ?? 0} failed of ${RUNS} runs`);
    const wallMs = performance.now() - started;
    // The same span by the database's own timestamps: first queued to last finished.
    const [span] = await queryRows<{ ms: number; per_pid: string }>(
      db,
      sql`SELECT extract(epoch FROM max(finished_at) - min(created_at)) * 1000 AS ms,
                 string_agg(DISTINCT result->>'pid', ',') AS per_pid
          FROM job_runs WHERE scheduled_for = ${scheduledFor}`,
    );
    const perProcess = await queryRows<{ pid: string; n: number }>(
      db,
      sql`SELECT result->>'pid' AS pid, count(*)::int AS n FROM job_runs WHERE scheduled_for = ${scheduledFor} GROUP BY 1 ORDER BY 1`,
    );
    for (const proc of processes) await proc.terminate();
    rates[count] = (RUNS / Number(span?.ms ?? wallMs)) * 1000;
    console.log(
      `  ${count} process${count > 1 ? 'es' : ''}: ${fmt(rates[count] ?? 0, 0)} runs/s ` +
        `(${fmt(Number(span?.ms ?? 0), 0)} ms first queued to last finished; ${fmt(wallMs, 0)} ms by wall clock; ` +
        `runs per process ${perProcess.map((row) => row.n).join(' / ')})`,
    );
  }
  console.log(`  ratio 3 processes / 1 process: ${fmt((rates[3] ?? 0) / (rates[1] ?? 1), 2)}x (on ${navigatorCores()} cores)`);
} finally {
  await killAllSchedulerProcesses();
  await bench.drop();
}
process.exit(0);

function navigatorCores(): number {
  return availableParallelism();
}
