// How long the admin fleet answer takes over a large history: USERS users with three schedules each and
// RUNS runs spread over 30 days (cron, manual and retried; every status), then fleetStats a few times.
// The baseline is one `count(*)` over job_runs in the same database: the ratio says how many full
// scans the fleet answer costs. `--quick` uses a tenth of the runs.
import { fleetStats } from '@kpi/api';
import { sql, withService } from '@kpi/db';
import { fmt, openBenchDatabase } from './bench-kit.ts';

const quick = process.argv.includes('--quick');
const USERS = 10_000;
const RUNS = quick ? 100_000 : 1_000_000;
const REPEATS = 5;

const bench = await openBenchDatabase(4);
const { db } = bench.database;
try {
  const started = performance.now();
  await withService(db, async (tx) => {
    await tx.execute(sql`INSERT INTO users (email, password_hash)
      SELECT 'fleet' || g || '@example.test', 'x' FROM generate_series(1, ${USERS}) AS g`);
    await tx.execute(sql`INSERT INTO job_schedules (user_id, service, cron_expression, timezone, enabled, next_run_at)
      SELECT u.id, s, '0 * * * *', 'UTC', u.id % 10 <> 0, now() + interval '1 hour'
      FROM users u CROSS JOIN unnest(ARRAY['meta', 'ga4', 'shopify']) AS s`);
    // Finished runs only, so the one-active index never refuses a row; a few queued at the end.
    await tx.execute(sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, attempt, started_at, run_after, finished_at, created_at)
      SELECT u, svc, trig, at, st, CASE WHEN g % 17 = 0 THEN 2 ELSE 1 END, at + (g % 900) * interval '1 ms', at, at + interval '2 s', at
      FROM (
        SELECT g, (SELECT min(id) FROM users) + g % ${USERS} AS u,
               (ARRAY['meta', 'ga4', 'shopify'])[1 + g % 3] AS svc,
               (ARRAY['cron', 'cron', 'cron', 'manual', 'recovery'])[1 + g % 5] AS trig,
               (ARRAY['succeeded', 'succeeded', 'succeeded', 'failed', 'skipped'])[1 + (g / 7) % 5] AS st,
               now() - (g % (30 * 24 * 60)) * interval '1 minute' AS at
        FROM generate_series(1, ${RUNS}) AS g
      ) runs`);
    await tx.execute(sql`ANALYZE job_runs`);
  });
  console.log(
    `seeded ${fmt(USERS, 0)} users, ${fmt(USERS * 3, 0)} schedules, ${fmt(RUNS, 0)} runs in ${fmt((performance.now() - started) / 1000)} s`,
  );

  const time = async (fn: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const t = performance.now();
      await fn();
      samples.push(performance.now() - t);
    }
    return samples.sort((a, b) => a - b)[Math.floor(REPEATS / 2)] as number;
  };
  const deps = { db, clock: () => new Date() };
  const fleet = await fleetStats(deps);
  const fleetMs = await time(() => fleetStats(deps));
  const countMs = await time(() => withService(db, (tx) => tx.execute(sql`SELECT count(*) FROM job_runs`)));
  console.log(
    `fleet answer: median ${fmt(fleetMs)} ms of ${REPEATS} (runs_24h ${JSON.stringify(fleet.runs_24h)}, failing ${fleet.failing_sources}, lag p50 ${fleet.fire_lag_ms.p50} ms p99 ${fleet.fire_lag_ms.p99} ms)`,
  );
  console.log(`baseline count(*) over job_runs: median ${fmt(countMs)} ms; ratio ${fmt(fleetMs / countMs, 2)}x`);
} finally {
  await bench.drop();
}
