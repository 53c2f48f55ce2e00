// HTTP load: GET /api/schedules (REST) and schedules.list (tRPC) against a hand-written Fastify + pg
// baseline doing the same RLS transaction, measured in the same run with autocannon at fixed concurrency,
// then REST at a fixed 1,000 req/s for the latency target. Usage: tsx bench/http.ts [--quick]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createApiToken, createUser, listSchedules } from '@kpi/api';
import { openPostgres } from '@kpi/db';
import { createPostgresDatabase } from '@kpi/testing';
import autocannon from 'autocannon';
import pino from 'pino';

const quick = process.argv.includes('--quick');
const duration = quick ? 5 : 15;
const connections = 20;
const created = await createPostgresDatabase();
const setup = openPostgres({ url: created.url, poolSize: 2 });
const { applyMigrations } = await import('@kpi/db');
await applyMigrations(setup);
const user = await createUser({ db: setup.db }, { email: 'bench@example.test', password: 'bench-password' });
const { token } = await createApiToken({ db: setup.db }, user.id, { name: 'bench' });
await listSchedules(
  {
    db: setup.db,
    clock: () => new Date(),
    log: pino({ level: 'silent' }),
    settings: { minIntervalSeconds: 60, maxAttempts: 3, sessionTtlSeconds: 3600 },
  },
  user.id,
);
await setup.close();

const child = spawn(process.execPath, ['--import', 'tsx', new URL('./http-servers.ts', import.meta.url).pathname], {
  env: { ...process.env, BENCH_DATABASE_URL: created.url, BENCH_USER_ID: String(user.id) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const ports = JSON.parse(line) as { app: number; baseline: number };

type Result = { name: string; rps: number; p50: number; p99: number; errors: number };
async function load(name: string, url: string, options: Record<string, unknown> = {}): Promise<Result> {
  const result = await autocannon({
    url,
    connections,
    duration,
    headers: { authorization: `Bearer ${token}` },
    ...options,
  });
  const errors = result.errors + result.non2xx + result.timeouts;
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors };
}

try {
  // Warm up JIT and pools on every path measured below.
  await load('warm-up', `http://127.0.0.1:${ports.app}/api/schedules`, { duration: 3 });
  await load('warm-up', `http://127.0.0.1:${ports.app}/trpc/schedules.list`, { duration: 3 });
  await load('warm-up', `http://127.0.0.1:${ports.baseline}/baseline`, { duration: 3 });
  const baseline = await load('baseline (Fastify + pg, RLS by hand)', `http://127.0.0.1:${ports.baseline}/baseline`);
  const rest = await load('REST GET /api/schedules', `http://127.0.0.1:${ports.app}/api/schedules`);
  const trpc = await load('tRPC schedules.list', `http://127.0.0.1:${ports.app}/trpc/schedules.list`);
  // What httpBatchLink (the web app, @kpi/client) sends for one query.
  const batched = await load(
    'tRPC schedules.list, batch of 1',
    `http://127.0.0.1:${ports.app}/trpc/schedules.list?batch=1&input=%7B%7D`,
  );
  const paced = await load('REST at 1,000 req/s', `http://127.0.0.1:${ports.app}/api/schedules`, {
    overallRate: 1000,
    connections: 50,
  });
  console.log(`\nHTTP, ${connections} connections, ${duration}s each, pool 10, 2-core machine`);
  console.table([baseline, rest, trpc, batched, paced].map((r) => ({ ...r, rps: Math.round(r.rps) })));
  console.log(`REST / baseline = ${(rest.rps / baseline.rps).toFixed(2)} (target >= 0.70)`);
  console.log(
    `tRPC / REST     = ${(trpc.rps / rest.rps).toFixed(2)} (target >= 0.70); batched ${(batched.rps / rest.rps).toFixed(2)}`,
  );
  console.log(`p99 at ${Math.round(paced.rps)} req/s = ${paced.p99} ms (target < 50 ms at 1,000 req/s)`);
} finally {
  child.kill('SIGTERM');
  await once(child, 'exit');
  await created.drop();
}
