// Scale: 100,000 enabled schedules in one process. Memory per schedule, time to load and arm, idle CPU;
// then the approach the engine does not take, one croner `Cron` job per schedule, on a subset, side by side.
//
//   pnpm --filter @kpi/bench scale            (60 s idle windows)
//   pnpm --filter @kpi/bench scale:quick      (10 s idle windows)
//   node --expose-gc --import tsx bench/scale.ts [--quick] [--count=100000] [--baseline=2000]
import { computeNextRun, cronCacheSize } from '@kpi/cron';
import { queryRows, sql, withService } from '@kpi/db';
import { EnhancedScheduler, type HandlerRegistry } from '@kpi/scheduler';
import { Cron } from 'croner';
import { benchLog, flag, fmt, openBenchDatabase, option, sleep } from './bench-kit.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('scale.ts measures heap after GC: run it with node --expose-gc (pnpm --filter @kpi/bench scale)');
  process.exit(2);
}
const COUNT = option('count', 100_000);
const BASELINE = option('baseline', 2_000);
const IDLE_MS = flag('quick') ? 10_000 : 60_000;

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Europe/Berlin',
  'America/Los_Angeles',
  'America/Sao_Paulo',
];
// 30 expressions x 10 zones = 300 distinct (cron, zone) pairs: daily, weekday and hourly shapes.
const EXPRESSIONS = Array.from({ length: 30 }, (_, i) => {
  const minute = (i * 7) % 60;
  const hour = i % 24;
  if (i % 3 === 0) return `${minute} ${hour} * * *`;
  if (i % 3 === 1) return `${minute} ${hour} * * 1-5`;
  return `${minute} */${(i % 5) + 2} * * *`;
});
const PAIRS = EXPRESSIONS.flatMap((cron) => ZONES.map((timezone) => ({ cron, timezone })));

async function heapAfterGc(): Promise<number> {
  // Two passes and a turn of the event loop: weak references and finalizers settle between them.
  gc?.();
  await sleep(50);
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** CPU time this process used during `ms`, as a percentage of one core. */
async function idleCpu(ms: number): Promise<number> {
  const before = process.cpuUsage();
  const started = performance.now();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1000 / (performance.now() - started)) * 100;
}

const bench = await openBenchDatabase();
try {
  const { database } = bench;
  console.log(`scale: ${fmt(COUNT, 0)} schedules over ${PAIRS.length} (cron, zone) pairs; idle windows of ${IDLE_MS / 1000} s`);

  // The shared Cron objects the engine keeps (one per pair, in @kpi/cron's cache): measured on their own.
  const heapBeforeCrons = await heapAfterGc();
  // Next fires at least 10 minutes out, so nothing fires during the idle windows.
  const from = new Date(Date.now() + 10 * 60_000);
  const pairs = PAIRS.map((pair, index) => ({
    index,
    ...pair,
    next: computeNextRun(pair.cron, pair.timezone, from)?.toISOString(),
  }));
  const cronCacheBytes = (await heapAfterGc()) - heapBeforeCrons;

  let t = performance.now();
  await withService(database.db, async (tx) => {
    await tx.execute(sql`INSERT INTO users (email, password_hash)
                         SELECT 'scale-' || i || '@example.test', 'x' FROM generate_series(1, ${COUNT}) AS i`);
    await tx.execute(sql`
      INSERT INTO job_schedules (user_id, service, cron_expression, timezone, enabled, next_run_at)
      SELECT u.id, 'meta', p.cron, p.timezone, true, p.next
      FROM users u
      JOIN jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) AS p("index" integer, cron text, timezone text, next timestamptz)
        ON p."index" = u.id % ${PAIRS.length}`);
  });
  const [inserted] = await queryRows<{ n: number; pairs: number }>(
    database.db,
    sql`SELECT count(*)::int AS n, count(DISTINCT (cron_expression, timezone))::int AS pairs FROM job_schedules WHERE enabled`,
  );
  console.log(
    `  inserted ${fmt(inserted?.n ?? 0, 0)} enabled schedules (${inserted?.pairs} pairs) in ${fmt((performance.now() - t) / 1000, 2)} s`,
  );

  // --- The engine: one heap of (id, next fire), one timer.
  const handlers: HandlerRegistry = new Map();
  const heapBefore = await heapAfterGc();
  const scheduler = new EnhancedScheduler({
    db: database.db,
    listen: database.listen.bind(database),
    log: benchLog,
    handlers,
  });
  t = performance.now();
  await scheduler.start();
  const armMs = performance.now() - t;
  const heapAfter = await heapAfterGc();
  const stats = scheduler.stats();
  const engineBytes = (heapAfter - heapBefore) / stats.schedulesKnown;
  const engineCpu = await idleCpu(IDLE_MS);
  const fired = scheduler.stats().fires;
  await scheduler.stop(1_000);

  console.log('\n  EnhancedScheduler');
  console.log(`    schedules known              ${fmt(stats.schedulesKnown, 0)} (next wake-up ${stats.nextWakeAt})`);
  console.log(`    load + arm (start())         ${fmt(armMs, 0)} ms`);
  console.log(`    heap per schedule            ${fmt(engineBytes, 0)} B (target < 1024 B)`);
  console.log(
    `    + shared Cron cache          ${fmt(cronCacheBytes / 1024 / 1024, 1)} MB for ${cronCacheSize()} pairs = ${fmt(cronCacheBytes / stats.schedulesKnown, 0)} B per schedule; total ${fmt(engineBytes + cronCacheBytes / stats.schedulesKnown, 0)} B`,
  );
  console.log(`    idle CPU over ${IDLE_MS / 1000} s          ${fmt(engineCpu, 2)} % of a core (target < 2 %)`);
  console.log(`    fires during the window      ${fired.cron + fired.recovery + fired.skipped} (expected 0)`);

  // --- The baseline: one croner job per schedule (a subset), as a per-job scheduler would do it.
  const baselineBefore = await heapAfterGc();
  const jobs: Cron[] = [];
  t = performance.now();
  for (let i = 0; i < BASELINE; i++) {
    const pair = PAIRS[i % PAIRS.length] as { cron: string; timezone: string };
    jobs.push(new Cron(pair.cron, { timezone: pair.timezone }, () => undefined));
  }
  const baselineArmMs = performance.now() - t;
  const baselineBytes = ((await heapAfterGc()) - baselineBefore) / BASELINE;
  const baselineCpu = await idleCpu(IDLE_MS);
  for (const job of jobs) job.stop();

  console.log(`\n  Baseline: one croner Cron job per schedule (${fmt(BASELINE, 0)} jobs)`);
  console.log(`    create + arm                 ${fmt(baselineArmMs, 0)} ms (${fmt(baselineArmMs / BASELINE, 3)} ms per job)`);
  console.log(`    heap per job                 ${fmt(baselineBytes, 0)} B`);
  console.log(`    idle CPU over ${IDLE_MS / 1000} s          ${fmt(baselineCpu, 2)} % of a core`);
  if (IDLE_MS < 30_000) console.log('    (croner re-arms each job at least every 30 s: a window this short may not see one)');
  const scaledCpu = (baselineCpu * COUNT) / BASELINE;
  console.log(
    `    extrapolated to ${fmt(COUNT, 0)}      ${fmt((baselineBytes * COUNT) / 1024 / 1024, 0)} MB heap, ~${fmt(scaledCpu, 1)} % of a core idle`,
  );

  console.log('\n  Ratios (baseline / engine)');
  console.log(
    `    memory per schedule          ${fmt(baselineBytes / engineBytes, 0)}x (${fmt(baselineBytes / (engineBytes + cronCacheBytes / stats.schedulesKnown), 0)}x counting the shared Cron cache)`,
  );
  console.log(`    idle CPU at ${fmt(COUNT, 0)}          ${fmt(scaledCpu / engineCpu, 1)}x (extrapolated)`);
} finally {
  await bench.drop();
}
process.exit(0);
