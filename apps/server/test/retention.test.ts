import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired, startRetention } from '../src/retention.ts';
import { buildTestApp, createTestUser, silentLog } from './support.ts';

const NOW = new Date('2030-06-01T00:00:00.000Z');

describe.each(BACKENDS)('retention of runs and sessions on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let userId: number;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database);
    userId = (await createTestUser(database, 'history')).id;
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  const count = async (statement: ReturnType<typeof sql>) =>
    (await queryRows<{ count: number }>(database.db, statement))[0]?.count ?? -1;

  /** `n` runs per service of the given status and age, created in one statement. */
  async function seedRuns(n: number, status: string, createdAt: string) {
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, created_at)
                     SELECT ${userId}, 'meta', 'cron', ${createdAt}::timestamptz + make_interval(secs => i), ${status}, ${createdAt}::timestamptz
                     FROM generate_series(1, ${n}) AS i`),
    );
  }

  it('deletes finished runs past RUN_RETENTION_DAYS in batches, never a queued or running one, and expired sessions', async () => {
    await seedRuns(2_500, 'succeeded', '2030-01-01T00:00:00Z'); // 151 days old
    await seedRuns(10, 'failed', '2030-01-02T00:00:00Z');
    await seedRuns(5, 'succeeded', '2030-05-20T00:00:00Z'); // 12 days old: kept
    await withService(database.db, async (tx) => {
      // An old run that is still queued, and one still running (another service: one active per service).
      await tx.execute(sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, created_at)
                           VALUES (${userId}, 'ga4', 'cron', '2029-01-01', 'queued', '2029-01-01'),
                                  (${userId}, 'shopify', 'cron', '2029-01-01', 'running', '2029-01-01')`);
      await tx.execute(sql`INSERT INTO sessions (user_id, token_hash, expires_at)
                           SELECT ${userId}, lpad(to_hex(i), 64, '0'), '2030-05-01'::timestamptz FROM generate_series(1, 1200) AS i`);
      await tx.execute(
        sql`INSERT INTO sessions (user_id, token_hash, expires_at) VALUES (${userId}, repeat('f', 64), '2030-07-01')`,
      );
    });

    // Two instances purging at once: disjoint batches (SKIP LOCKED), nothing deleted twice, nothing left.
    const [a, b] = await Promise.all([
      purgeExpired(database.db, { now: NOW, retentionDays: 90, batchSize: 1_000 }),
      purgeExpired(database.db, { now: NOW, retentionDays: 90, batchSize: 1_000 }),
    ]);
    expect(a!.runs + b!.runs).toBe(2_510);
    expect(a!.sessions + b!.sessions).toBe(1_200);
    expect(await count(sql`SELECT count(*)::int AS count FROM job_runs WHERE status IN ('queued', 'running')`)).toBe(2);
    expect(await count(sql`SELECT count(*)::int AS count FROM job_runs WHERE status = 'succeeded'`)).toBe(5);
    expect(await count(sql`SELECT count(*)::int AS count FROM sessions`)).toBe(1);
    // Idempotent: a second pass finds nothing.
    expect(await purgeExpired(database.db, { now: NOW, retentionDays: 90 })).toEqual({ runs: 0, sessions: 0, revokedTokens: 0 });
  });

  it('deletes tokens revoked more than RUN_RETENTION_DAYS ago and keeps active and recently revoked ones', async () => {
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO api_tokens (user_id, name, prefix, token_hash, revoked_at)
                     VALUES (${userId}, 'old', 'kpi_o', repeat('1', 64), '2030-01-01'),
                            (${userId}, 'recent', 'kpi_r', repeat('2', 64), '2030-05-25')`),
    );
    const counts = await purgeExpired(database.db, { now: NOW, retentionDays: 90 });
    expect(counts.revokedTokens).toBe(1);
    expect(await count(sql`SELECT count(*)::int AS count FROM api_tokens WHERE user_id = ${userId}`)).toBe(2);
  });

  it('the periodic job purges at start, and a big backlog in batches keeps a bystander fast', async () => {
    await seedRuns(20_000, 'succeeded', '2030-01-01T00:00:00Z');
    let done = false;
    const latencies: number[] = [];
    const probe = (async () => {
      while (!done) {
        const started = performance.now();
        await app.inject({ method: 'GET', url: '/readyz' });
        latencies.push(performance.now() - started);
      }
    })();
    const started = performance.now();
    const job = startRetention({ db: database.db, log: silentLog, clock: () => NOW, retentionDays: 90, intervalMs: 3_600_000 });
    const counts = await job.pass(); // the pass started by startRetention, not a second one
    const wallMs = Math.round(performance.now() - started);
    job.stop();
    done = true;
    await probe;
    latencies.sort((x, y) => x - y);
    console.info(
      `[retention:${backend}] 20,000 runs in batches of 1,000: ${wallMs} ms; /readyz during it p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms, n=${latencies.length}`,
    );
    expect(counts?.runs).toBe(20_000);
    expect(await count(sql`SELECT count(*)::int AS count FROM job_runs WHERE status IN ('queued', 'running')`)).toBe(2);
    // Between batches requests get in: the probe answered many times during the purge, not once after it.
    expect(latencies.length).toBeGreaterThan(5);
  });
});
