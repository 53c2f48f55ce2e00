// Child process of http.ts: the real application and a hand-written baseline, side by side on one pool
// size, so the load generator in the parent process does not compete with them for the event loop.
import { applyMigrations, openPostgres } from '@kpi/db';
import Fastify from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from '../apps/server/src/app.ts';
import { RateCounters } from '../apps/server/src/rate-limit.ts';

const url = process.env.BENCH_DATABASE_URL as string;
const poolSize = Number(process.env.BENCH_POOL_SIZE ?? 10);
const database = openPostgres({ url, poolSize });
await applyMigrations(database);
const log = pino({ level: 'silent' });

const deps = {
  db: database.db,
  clock: () => new Date(),
  log,
  settings: { minIntervalSeconds: 60, maxAttempts: 3, sessionTtlSeconds: 3600 },
};
const app = await buildApp({
  deps,
  // The shared rate limiter runs as in production, with a limit the load never reaches.
  rateLimit: { perMinute: 100_000_000, counters: new RateCounters({ db: database.db, clock: deps.clock, log }) },
  log,
  bodyLimitBytes: 65536,
  login: { maxAttempts: 10, windowSeconds: 900 },
  readiness: { ping: async () => undefined, schemaReady: () => true, scheduler: () => 'disabled' },
});
await app.listen({ port: 0, host: '127.0.0.1' });

// The baseline: the same RLS transaction by hand on a bare pg pool, no auth, no framework beyond Fastify.
const pool = new pg.Pool({ connectionString: url, max: poolSize });
const baseline = Fastify({ logger: false });
const userId = process.env.BENCH_USER_ID as string;
baseline.get('/baseline', async () => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('role', 'kpi_tenant', true), set_config('app.current_user_id', $1, true)", [userId]);
    const { rows } = await client.query('SELECT * FROM job_schedules ORDER BY id');
    await client.query('COMMIT');
    return { success: true, data: rows };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
});
await baseline.listen({ port: 0, host: '127.0.0.1' });

const address = (server: typeof app) => {
  const info = server.server.address();
  return typeof info === 'object' && info ? info.port : 0;
};
process.stdout.write(`${JSON.stringify({ app: address(app), baseline: address(baseline) })}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  await baseline.close();
  await pool.end();
  await database.close();
  process.exit(0);
});
