// Peers: no-op jobs per second here, with pg-boss 12 and with graphile-worker 0.18, interleaved in one run
// (3 rounds, medians), at worker concurrency 4 and 64; in the same rounds a realistic job, one run that
// upserts one kpi_snapshots row, here (the fixture's snapshot handler, as the service role under RLS) and as a
// graphile-worker task doing the same upsert on the same table; then start lag of 1,000 and 10,000
// per-user schedules due at once, here and with pg-boss's keyed schedule(). graphile-worker has no
// per-user schedules (its crontab is one file for the whole process), so it has no co-fire figure.
// Each system gets a database of its own on TEST_DATABASE_URL's server, dropped at the end.
//
//   pnpm bench peers [--jobs=6000] [--rounds=3] [--cofire=1000,10000] [--quiet-load=<cores>] [--quiet-wait=60] [--cofire-only] [--local-queue=64]
import { availableParallelism } from 'node:os';
import { applyMigrations, openPostgres, queryRows, type Service, sql } from '@kpi/db';
import { createPostgresDatabase } from '@kpi/testing';
import { makeWorkerUtils, run as runGraphile } from 'graphile-worker';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { killAllSchedulerProcesses, startSchedulerProcess } from '../packages/scheduler/test/fixtures/processes.ts';
import { createUsers, insertSchedules, queueRuns } from '../packages/scheduler/test/fixtures/seed.ts';
import { flag, fmt, openBenchDatabase, option, percentile } from './bench-kit.ts';
import { currentLoad as load, quiet as quietFor, silentGraphileLogger, upsertSnapshot, waitFor } from './peer-kit.ts';

const JOBS = option('jobs', 6_000);
const ROUNDS = option('rounds', 3);
const POLL_MS = 1_000;
// This engine's fast setting for short runs, as graphile-worker's localQueue is its own (both opt-in).
const LOCAL_QUEUE = option('local-queue', 64);
const COFIRE = (process.argv.find((a) => a.startsWith('--cofire='))?.slice(9) ?? '1000,10000').split(',').map(Number);
const SERVICES: Service[] = ['meta', 'ga4', 'shopify'];
const QUIET_LOAD = option('quiet-load', availableParallelism());
const QUIET_WAIT_S = option('quiet-wait', 60);
const quiet = () => quietFor(QUIET_LOAD, QUIET_WAIT_S);
// Systems to measure, by their printed names (comma-separated); all of them by default.
const ONLY = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const ours = await openBenchDatabase();
const bossDb = await createPostgresDatabase();
const graphileDb = await createPostgresDatabase();
const bossPool = new pg.Pool({ connectionString: bossDb.url, max: 2 });
const graphilePool = new pg.Pool({ connectionString: graphileDb.url, max: 2 });
try {
  // graphile-worker's upsert goes to the same kpi_snapshots table (this project's schema, in its own database).
  const graphileSchema = openPostgres({ url: graphileDb.url, poolSize: 2 });
  await applyMigrations(graphileSchema);
  await createUsers(graphileSchema.db, Math.ceil(JOBS / SERVICES.length), 'peers');
  await graphileSchema.close();
  const db = ours.database.db;
  const users = await createUsers(db, Math.ceil(Math.max(JOBS, ...COFIRE) / SERVICES.length), 'peers');
  const pairs = users.flatMap((userId) => SERVICES.map((service) => ({ userId, service })));
  let batch = 0;

  /**
   * Queued and running runs, read through the two partial indexes that hold only those: the poll costs
   * the same however much history the rounds have left (a count by scheduled_for scanned all of it,
   * 20 ms apart, on the same two cores). graphile-worker's poll counts its jobs table, which it empties.
   */
  async function unfinishedRuns(): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      db,
      sql`SELECT (SELECT count(*) FROM job_runs WHERE status = 'queued')::int + (SELECT count(*) FROM job_runs WHERE status = 'running')::int AS n`,
    );
    return row?.n ?? 0;
  }

  /** After the clock stops: every run of the batch succeeded (none failed, none missing). */
  async function expectSucceeded(scheduledFor: Date, expected: number): Promise<void> {
    const [row] = await queryRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM job_runs WHERE scheduled_for = ${scheduledFor} AND status = 'succeeded'`,
    );
    if ((row?.n ?? 0) !== expected) throw new Error(`${row?.n ?? 0} of ${expected} runs succeeded`);
  }

  /** This project, as `pnpm bench throughput` runs it: one scheduler process, no-op or snapshot (upsert) handler. */
  async function here(concurrency: number, handler: 'noop' | 'snapshot' = 'noop'): Promise<number> {
    const proc = await startSchedulerProcess('peers', {
      DATABASE_URL: ours.url,
      HANDLER: handler,
      CONCURRENCY: concurrency,
      // The pool graphile-worker gets below: a realistic run holds a connection while it writes.
      POOL_SIZE: Math.max(10, concurrency + 2),
      LOCAL_QUEUE,
      POLL_MS,
    });
    try {
      const scheduledFor = new Date(Date.UTC(2024, 0, 1, 0, 0, ++batch));
      const started = performance.now();
      await queueRuns(db, pairs.slice(0, JOBS), scheduledFor);
      await waitFor('here', async () => (await unfinishedRuns()) === 0);
      const rate = (JOBS / (performance.now() - started)) * 1000;
      await expectSucceeded(scheduledFor, JOBS);
      return rate;
    } finally {
      await proc.terminate();
    }
  }

  /** pg-boss with its fast settings: a batch fetched per poll as big as the concurrency, burst while full. */
  async function boss(concurrency: number): Promise<number> {
    const b = new PgBoss({ connectionString: bossDb.url, max: 10, supervise: false, schedule: false });
    b.on('error', (error) => console.warn('pg-boss:', error.message));
    await b.start();
    const queue = `noop${++batch}`;
    await b.createQueue(queue);
    await b.work(
      queue,
      { batchSize: concurrency, pollingIntervalSeconds: POLL_MS / 1000, burstWhenBatchFull: true },
      async (jobs) => Promise.all(jobs.map(async () => undefined)),
    );
    try {
      const started = performance.now();
      for (let i = 0; i < JOBS; i += 1_000)
        await b.insert(
          queue,
          Array.from({ length: Math.min(1_000, JOBS - i) }, (_, j) => ({ data: { i: i + j } })),
        );
      await waitFor('pg-boss', async () => {
        const { rows } = await bossPool.query(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`,
          [queue],
        );
        return (rows[0]?.n ?? 0) >= JOBS;
      });
      return (JOBS / (performance.now() - started)) * 1000;
    } finally {
      await b.stop({ graceful: false });
    }
  }

  /** graphile-worker with its fast settings: a local queue of 500, completions batched. */
  async function graphile(concurrency: number, task: 'noop' | 'upsert' = 'noop'): Promise<number> {
    const utils = await makeWorkerUtils({ connectionString: graphileDb.url });
    await utils.migrate();
    const runner = await runGraphile({
      connectionString: graphileDb.url,
      concurrency,
      pollInterval: POLL_MS,
      noHandleSignals: true,
      maxPoolSize: Math.max(10, concurrency + 2),
      taskList: { noop: async () => undefined, upsert: upsertSnapshot },
      preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      logger: silentGraphileLogger(),
    });
    try {
      const started = performance.now();
      for (let i = 0; i < JOBS; i += 1_000)
        await utils.addJobs(
          Array.from({ length: Math.min(1_000, JOBS - i) }, (_, j) => {
            const pair = pairs[i + j];
            return { identifier: task, payload: { i: i + j, userId: pair?.userId, service: pair?.service } };
          }),
        );
      await waitFor('graphile-worker', async () => {
        const { rows } = await graphilePool.query(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs`);
        return (rows[0]?.n ?? 1) === 0;
      });
      return (JOBS / (performance.now() - started)) * 1000;
    } finally {
      await runner.stop();
      await utils.release();
    }
  }

  const systems = {
    here,
    'pg-boss': boss,
    'graphile-worker': graphile,
    'here, upsert': (concurrency: number) => here(concurrency, 'snapshot'),
    'graphile-worker, upsert': (concurrency: number) => graphile(concurrency, 'upsert'),
  } as const;
  const figures: Record<string, Array<{ rate: number; load: string }>> = {};
  console.log(`peers: ${fmt(JOBS, 0)} no-op jobs queued at once, one worker process, poll ${POLL_MS} ms, ${ROUNDS} rounds`);
  for (let round = 1; round <= (flag('cofire-only') ? 0 : ROUNDS); round++) {
    for (const concurrency of [4, 64]) {
      for (const [name, fn] of Object.entries(systems)) {
        if (ONLY && !ONLY.includes(name)) continue;
        const before = await quiet();
        const rate = await fn(concurrency);
        const key = `${name}@${concurrency}`;
        const list = figures[key] ?? [];
        list.push({ rate, load: before });
        figures[key] = list;
        console.log(
          `  round ${round} concurrency ${concurrency} ${name}: ${fmt(rate, 0)} jobs/s (load ${before} before, ${load()} after)`,
        );
      }
    }
  }
  console.log('\n| system | concurrency 4 | concurrency 64 |\n| --- | --- | --- |');
  const median = (key: string) => {
    const rates = (figures[key] ?? []).map((f) => f.rate).sort((a, b) => a - b);
    return { median: percentile(rates, 50), min: rates[0] ?? Number.NaN, max: rates.at(-1) ?? Number.NaN };
  };
  for (const name of flag('cofire-only') ? [] : Object.keys(systems)) {
    const ours = name.endsWith('upsert') ? 'here, upsert' : 'here';
    const cells = [4, 64].map((c) => {
      const m = median(`${name}@${c}`);
      const ratio = name === ours ? '' : `; ${ours} ${fmt(median(`${ours}@${c}`).median / m.median, 2)}x`;
      return `${fmt(m.median, 0)} [${fmt(m.min, 0)}-${fmt(m.max, 0)}] jobs/s${ratio}`;
    });
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }

  console.log('\nco-fire: N per-user schedules due at the same instant, no-op handler, one process, concurrency 64');
  for (const n of COFIRE) {
    // The rounds above left tens of thousands of dead row versions that autovacuum (a minute's nap) has
    // not reached yet; a live database has had them vacuumed. Both systems' tables get the same.
    await db.execute(sql`VACUUM ANALYZE`);
    await bossPool.query('VACUUM ANALYZE');
    const before = await quiet();
    const lags = await cofireHere(n);
    console.log(
      `  here, ${fmt(n, 0)}: start lag p50 ${fmt(percentile(lags.lags, 50) / 1000, 2)} s, p99 ${fmt(percentile(lags.lags, 99) / 1000, 2)} s; ` +
        `${lags.runs} runs for ${lags.schedules} schedules (load ${before})`,
    );
    if (ONLY && !ONLY.includes('pg-boss')) continue;
    const bossLags = await cofireBoss(n);
    console.log(
      `  pg-boss keyed schedule(), ${fmt(n, 0)}: start lag p50 ${fmt(percentile(bossLags, 50) / 1000, 2)} s, p99 ${fmt(percentile(bossLags, 99) / 1000, 2)} s (load ${load()})`,
    );
  }
  console.log('  graphile-worker: no per-user schedules (one crontab per process), not measured');

  async function cofireHere(n: number): Promise<{ lags: number[]; runs: number; schedules: number }> {
    // The process runs first and hears of the new schedules as any instance does (NOTIFY, re-read).
    const proc = await startSchedulerProcess('cofire', {
      DATABASE_URL: ours.url,
      HANDLER: 'noop',
      CONCURRENCY: 64,
      LOCAL_QUEUE,
      POLL_MS,
    });
    const [now] = await queryRows<{ t: Date }>(db, sql`SELECT now() AS t`);
    const fireAt = new Date(Math.ceil((new Date(now?.t ?? Date.now()).getTime() + 10_000) / 1000) * 1000);
    const ids = await insertSchedules(
      db,
      pairs.slice(0, n).map((p) => ({ ...p, cron: '0 0 1 1 *', enabled: true, nextRunAt: fireAt })),
    );
    try {
      if (Date.now() > fireAt.getTime()) console.warn('  (the schedules were stored only after their fire time)');
      // The fire's runs exist once no schedule is due (read through the due index); then wait for them to finish.
      await waitFor(
        'cofire here',
        async () => {
          const [row] = await queryRows<{ n: number }>(
            db,
            sql`SELECT count(*)::int AS n FROM job_schedules WHERE enabled AND next_run_at <= ${fireAt}`,
          );
          return (row?.n ?? 1) === 0 && (await unfinishedRuns()) === 0;
        },
        600_000,
        200,
      );
      await expectSucceeded(fireAt, n);
      const rows = await queryRows<{ lag: number; schedule_id: string }>(
        db,
        sql`SELECT extract(epoch FROM started_at - scheduled_for) * 1000 AS lag, schedule_id FROM job_runs WHERE scheduled_for = ${fireAt}`,
      );
      return {
        lags: rows.map((r) => Number(r.lag)).sort((a, b) => a - b),
        runs: rows.length,
        schedules: new Set(rows.map((r) => r.schedule_id)).size,
      };
    } finally {
      await proc.terminate();
      await db.execute(
        sql`DELETE FROM job_schedules WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
      );
    }
  }

  async function cofireBoss(n: number): Promise<number[]> {
    const b = new PgBoss({ connectionString: bossDb.url, max: 10, cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 });
    b.on('error', (error) => console.warn('pg-boss:', error.message));
    await b.start();
    const queue = `cofire${++batch}`;
    await b.createQueue(queue);
    // One fire per key: a cron naming a single minute, far enough ahead for n schedule() calls.
    const fireAt = new Date(Math.ceil((Date.now() + 30_000 + n * 15) / 60_000) * 60_000);
    const cron = `${fireAt.getUTCMinutes()} ${fireAt.getUTCHours()} * * *`;
    for (let i = 0; i < n; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, n - i) }, (_, j) => b.schedule(queue, cron, {}, { key: `user-${i + j}` })),
      );
    if (Date.now() > fireAt.getTime()) console.warn('  (pg-boss schedules were created after the fire time)');
    const lags: number[] = [];
    await b.work(queue, { batchSize: 64, pollingIntervalSeconds: POLL_MS / 1000, burstWhenBatchFull: true }, async (jobs) => {
      for (const _ of jobs) lags.push(Date.now() - fireAt.getTime());
    });
    try {
      await waitFor('cofire pg-boss', async () => lags.length >= n, 900_000, 200);
      return lags.sort((a, c) => a - c);
    } finally {
      for (let i = 0; i < n; i += 100)
        await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, j) => b.unschedule(queue, `user-${i + j}`)));
      await b.stop({ graceful: false });
    }
  }
} finally {
  await killAllSchedulerProcesses();
  await bossPool.end().catch(() => undefined);
  await graphilePool.end().catch(() => undefined);
  await ours.drop();
  await bossDb.drop();
  await graphileDb.drop();
}
process.exit(0);
