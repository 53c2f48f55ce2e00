// Soak: the real server process on a fresh PostgreSQL database, every-minute schedules for --users
// users (1,000) plus mixed API traffic (REST and tRPC reads, schedule writes, manual runs) for --minutes
// (30; `--minutes 2` is the short CI-style mode). Prints the server's memory (RSS, heap) over time, API
// status counts and latency, and per minute of fires: runs claimed, lost, doubled, and the lag from the
// scheduled minute to the run's start (p50/p95/p99/max). Exits 1 if a fire was lost or doubled.
// Usage: tsx bench/soak.ts [--minutes 2] [--users 1000] [--concurrency 16]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApiToken, createUser, updateSchedule } from '@kpi/api';
import { queryRows, sql } from '@kpi/db';
import pino from 'pino';
import { fmt, openBenchDatabase, percentile, sleep } from './bench-kit.ts';

function arg(name: string, fallback: number): number {
  const index = process.argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (index < 0) return fallback;
  const raw = process.argv[index]?.includes('=') ? process.argv[index]?.split('=')[1] : process.argv[index + 1];
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const minutes = arg('minutes', 30);
const userCount = arg('users', 1000);
const concurrency = arg('concurrency', 16);
const tokenUsers = Math.min(100, userCount);
const sampleEveryMs = minutes <= 5 ? 10_000 : 30_000;
const REPO = fileURLToPath(new URL('../', import.meta.url));

const bench = await openBenchDatabase(10);
const { database } = bench;
const deps = {
  db: database.db,
  clock: () => new Date(),
  log: pino({ level: 'silent' }),
  settings: { minIntervalSeconds: 60, maxAttempts: 3, sessionTtlSeconds: 3600 },
};

// Users: one real sign-up for a valid password hash, the rest copied in one statement (scrypt x 1,000
// would take a minute and measure nothing of interest here).
console.log(`setting up ${userCount} users with an every-minute schedule...`);
const first = await createUser({ db: database.db }, { email: 'soak-0@example.test', password: 'soak-password-0' });
await database.db.execute(
  sql`INSERT INTO users (email, password_hash, role)
      SELECT 'soak-' || g || '@example.test', (SELECT password_hash FROM users WHERE id = ${first.id}), 'user'
      FROM generate_series(1, ${userCount - 1}) AS g`,
);
const userIds = (await queryRows<{ id: number }>(database.db, sql`SELECT id FROM users ORDER BY id`)).map((r) => r.id);
for (let i = 0; i < userIds.length; i += 20) {
  await Promise.all(
    userIds.slice(i, i + 20).map((id) => updateSchedule(deps, id, 'meta', { cron: '* * * * *', enabled: true, timezone: 'UTC' })),
  );
}
const tokens: string[] = [];
for (const id of userIds.slice(0, tokenUsers))
  tokens.push((await createApiToken({ db: database.db }, id, { name: 'soak' })).token);
// Each schedule owes one run for every minute from its first fire (schedules saved after a minute
// boundary passed start a minute later) up to the end: remember where each one starts.
const firstFires = new Map(
  (
    await queryRows<{ id: number; at: Date }>(database.db, sql`SELECT id, next_run_at AS at FROM job_schedules WHERE enabled`)
  ).map((row) => [Number(row.id), new Date(row.at).getTime()]),
);

const port = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const address = probe.address();
    probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
  });
});
const server = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
  cwd: REPO,
  env: {
    ...process.env,
    DATABASE_URL: bench.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // The limiter counts and syncs as in production; the limit itself is out of the way of the load.
    RATE_LIMIT_PER_MINUTE: '1000000',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  const ready = await fetch(`${base}/readyz`).then(
    (r) => r.status === 200,
    () => false,
  );
  if (ready) break;
  if (i > 300) throw new Error('server did not become ready');
  await sleep(100);
}
// A fire due before the scheduler was running and claimed over a minute late is a *missed* fire, which
// the scheduler coalesces into its latest (README: catch-up after downtime): the count starts at the
// first minute after the server is ready, where "exactly once" is the claim being measured.
const countFrom = Math.ceil(Date.now() / 60_000) * 60_000;
for (const [id, at] of firstFires) firstFires.set(id, Math.max(at, countFrom));
console.log(
  `server pid ${server.pid} ready on ${base}; fires counted from ${new Date(countFrom).toISOString()}; load for ${minutes} min`,
);

type Sample = { at: number; rss: number; heap: number };
const samples: Sample[] = [];
async function sampleMemory(): Promise<void> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  samples.push({ at: Date.now(), rss: value('process_resident_memory_bytes'), heap: value('nodejs_heap_size_used_bytes') });
}

// Mixed traffic: each loop picks a request at random; a token user's own meta schedule is left alone.
const requests: Array<(token: string) => Promise<Response>> = [
  (t) => fetch(`${base}/api/schedules`, { headers: { authorization: `Bearer ${t}` } }),
  (t) => fetch(`${base}/trpc/schedules.list`, { headers: { authorization: `Bearer ${t}` } }),
  (t) => fetch(`${base}/api/runs?limit=20`, { headers: { authorization: `Bearer ${t}` } }),
  (t) => fetch(`${base}/api/runs/stats`, { headers: { authorization: `Bearer ${t}` } }),
  (t) => fetch(`${base}/api/kpis`, { headers: { authorization: `Bearer ${t}` } }),
  (t) =>
    fetch(`${base}/api/schedules/ga4`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cron: `${Math.floor(Math.random() * 60)} 3 * * *`, enabled: false, timezone: 'UTC' }),
    }),
  (t) => fetch(`${base}/api/schedules/shopify/run`, { method: 'POST', headers: { authorization: `Bearer ${t}` } }),
];
const statusCounts = new Map<string, number>();
const latencies: number[] = [];
let stop = false;
async function loop(): Promise<void> {
  while (!stop) {
    const token = tokens[Math.floor(Math.random() * tokens.length)] as string;
    const request = requests[Math.floor(Math.random() * requests.length)] as (typeof requests)[number];
    const started = performance.now();
    try {
      const response = await request(token);
      await response.arrayBuffer();
      // 409 is "a run is already queued": an expected answer to a repeated "run now".
      const key = String(response.status);
      statusCounts.set(key, (statusCounts.get(key) ?? 0) + 1);
    } catch {
      statusCounts.set('network error', (statusCounts.get('network error') ?? 0) + 1);
    }
    latencies.push(performance.now() - started);
  }
}

const loadStarted = Date.now();
await sampleMemory();
const sampler = setInterval(() => void sampleMemory().catch(() => undefined), sampleEveryMs);
const loops = Array.from({ length: concurrency }, () => loop());
await sleep(minutes * 60_000);
stop = true;
await Promise.all(loops);
clearInterval(sampler);
await sampleMemory();
const loadEnded = Date.now();

// Every fire up to the last whole minute before the load stopped must have run: wait for its workers.
const lastMinute = Math.floor(loadEnded / 60_000) * 60_000;
for (let i = 0; i < 240; i++) {
  const [pending] = await queryRows<{ n: number }>(
    database.db,
    sql`SELECT count(*)::int AS n FROM job_runs WHERE trigger <> 'manual' AND status IN ('queued', 'running') AND scheduled_for <= ${new Date(lastMinute)}`,
  );
  if (pending?.n === 0 && Date.now() > lastMinute + 5_000) break;
  await sleep(500);
}
server.kill('SIGTERM');
await once(server, 'exit');

type MinuteRow = {
  minute: Date;
  runs: number;
  schedules: number;
  succeeded: number;
  skipped: number;
  other: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
};
const perMinute = await queryRows<MinuteRow>(
  database.db,
  sql`SELECT scheduled_for AS minute, count(*)::int AS runs, count(DISTINCT schedule_id)::int AS schedules,
             count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
             count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
             count(*) FILTER (WHERE status NOT IN ('succeeded', 'skipped'))::int AS other,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - scheduled_for))::float8 AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - scheduled_for))::float8 AS p95,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - scheduled_for))::float8 AS p99,
             max(extract(epoch FROM started_at - scheduled_for))::float8 AS max
      FROM job_runs
      WHERE schedule_id IS NOT NULL AND scheduled_for BETWEEN ${new Date(countFrom)} AND ${new Date(lastMinute)}
      GROUP BY scheduled_for ORDER BY scheduled_for`,
);
const enabled = firstFires.size;
const fired = await queryRows<{ schedule_id: number; at: Date; n: number }>(
  database.db,
  sql`SELECT schedule_id, scheduled_for AS at, count(*)::int AS n FROM job_runs
      WHERE schedule_id IS NOT NULL AND scheduled_for <= ${new Date(lastMinute)} GROUP BY 1, 2`,
);
const [{ retried = 0 } = {}] = await queryRows<{ retried: number }>(
  database.db,
  sql`SELECT count(*)::int AS retried FROM job_runs WHERE schedule_id IS NOT NULL AND attempt > 1`,
);
const [{ rateRows = 0 } = {}] = await queryRows<{ rateRows: number }>(
  database.db,
  sql`SELECT count(*)::int AS "rateRows" FROM rate_limits`,
);

const expectedMinutes = Math.round((lastMinute - countFrom) / 60_000) + 1;
const ran = new Map(fired.map((row) => [`${Number(row.schedule_id)}@${new Date(row.at).getTime()}`, row.n]));
let expected = 0;
let lost = 0;
for (const [scheduleId, start] of firstFires) {
  for (let minute = start; minute <= lastMinute; minute += 60_000) {
    expected++;
    if (!ran.has(`${scheduleId}@${minute}`)) lost++;
  }
}
const doubled = fired.reduce((sum, row) => sum + row.n - 1, 0);
// A run for a minute before a schedule's first fire would be a phantom (before countFrom is not judged).
const early = fired.filter((row) => {
  const at = new Date(row.at).getTime();
  return at >= countFrom && (firstFires.get(Number(row.schedule_id)) ?? 0) > at;
}).length;
const missingMinutes = expectedMinutes - perMinute.length;

const mb = (bytes: number) => fmt(bytes / 1024 / 1024);
console.log(`\nServer memory over ${fmt((loadEnded - loadStarted) / 60_000)} min (sample every ${sampleEveryMs / 1000}s)`);
console.table(
  samples.map((s) => ({ 't (s)': Math.round((s.at - loadStarted) / 1000), 'RSS MB': mb(s.rss), 'heap used MB': mb(s.heap) })),
);
const half = Math.floor(samples.length / 2);
const avg = (list: Sample[], key: 'rss' | 'heap') => list.reduce((sum, s) => sum + s[key], 0) / Math.max(1, list.length);
// The first sample is taken before the load warms the server up; flatness is judged on the rest.
const warm = samples.slice(1);
const firstHalf = warm.slice(0, Math.max(1, half - 1));
const secondHalf = warm.slice(Math.max(1, half - 1));
console.log(
  `RSS first half ${mb(avg(firstHalf, 'rss'))} MB -> second half ${mb(avg(secondHalf, 'rss'))} MB; ` +
    `heap ${mb(avg(firstHalf, 'heap'))} MB -> ${mb(avg(secondHalf, 'heap'))} MB`,
);

const sorted = [...latencies].sort((x, y) => x - y);
const seconds = (loadEnded - loadStarted) / 1000;
console.log(
  `\nAPI: ${latencies.length} requests at ${concurrency} concurrent loops, ${fmt(latencies.length / seconds)} req/s; ` +
    `p50 ${fmt(percentile(sorted, 50))} ms, p99 ${fmt(percentile(sorted, 99))} ms`,
);
console.log(`status counts: ${JSON.stringify(Object.fromEntries([...statusCounts].sort()))}`);

console.log(
  `\nFires: ${enabled} every-minute schedules, minutes ${new Date(countFrom).toISOString()} .. ${new Date(lastMinute).toISOString()}`,
);
console.table(
  perMinute.map((row) => ({
    minute: new Date(row.minute).toISOString().slice(11, 16),
    runs: row.runs,
    schedules: row.schedules,
    succeeded: row.succeeded,
    skipped: row.skipped,
    other: row.other,
    'lag p50 s': fmt(row.p50, 2),
    'p95 s': fmt(row.p95, 2),
    'p99 s': fmt(row.p99, 2),
    'max s': fmt(row.max, 2),
  })),
);
console.log(
  `${enabled} schedules over ${expectedMinutes} minutes owe ${expected} fires; lost ${lost}, doubled ${doubled}, ` +
    `before their first fire ${early}, minutes without any run ${missingMinutes}, cron runs retried ${retried}; ` +
    `rate_limits rows ${rateRows}`,
);
await bench.drop();
if (lost !== 0 || doubled !== 0 || early !== 0) {
  console.error('FAIL: a fire was lost or doubled');
  process.exit(1);
}
console.log('OK: every (schedule, minute) ran exactly once');
