import { sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.ts';
import { READINESS_CACHE_MS } from '../src/routes/health.ts';
import { buildTestApp, testDeps } from './support.ts';

// The attacker's side of the endpoints anyone can reach: a flood of /readyz, and a scrape of /metrics.

const TOKEN = 'metrics-token-0123456789abcdef';

describe.each(BACKENDS)('unauthenticated /readyz and /metrics on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let open: FastifyInstance;
  let now = Date.parse('2026-12-01T10:00:00Z');
  let pings = 0;
  let queueQueries = 0;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const deps = testDeps(database, {}, () => new Date(now));
    const metrics = (token?: string) => {
      const created = createMetrics(database.db, () => 0, token === undefined ? {} : { token });
      // Counts the scrapes that reached the queue-depth query (it runs in the gauge's collect).
      const gauge = created.registry.getSingleMetric('kpi_queue_depth') as unknown as { collect: () => Promise<void> };
      const collect = gauge.collect.bind(gauge);
      gauge.collect = async () => {
        queueQueries++;
        await collect();
      };
      return created;
    };
    const withToken = metrics(TOKEN);
    const loopbackOnly = metrics();
    // Each ping is the real round trip; the counter is what a flood costs the database.
    const ping = async () => {
      pings++;
      await database.db.execute(sql`SELECT 1`);
    };
    app = await buildTestApp(database, { deps, ping, extend: (instance) => withToken.register(instance) });
    open = await buildTestApp(database, { deps, ping, extend: (instance) => loopbackOnly.register(instance) });
  });
  afterAll(async () => {
    await app?.close();
    await open?.close();
    await database?.dispose();
  });

  it('500 concurrent /readyz cost one database query, /healthz stays fast meanwhile, and the next second costs one more', async () => {
    pings = 0;
    const started = performance.now();
    const flood = Array.from({ length: 500 }, () => app.inject({ method: 'GET', url: '/readyz' }));
    const healthStarted = performance.now();
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    const healthMs = performance.now() - healthStarted;
    const answers = await Promise.all(flood);
    const floodMs = performance.now() - started;
    expect(health.statusCode).toBe(200);
    expect(answers.every((answer) => answer.statusCode === 200 && answer.json().database === 'ok')).toBe(true);
    expect(pings, 'database round trips for 500 /readyz').toBe(1);
    // Sequential requests within the second reuse the answer too.
    for (let i = 0; i < 50; i++) expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(pings).toBe(1);
    now += READINESS_CACHE_MS;
    await app.inject({ method: 'GET', url: '/readyz' });
    expect(pings).toBe(2);
    console.info(`500 /readyz: ${pings - 1} query, ${floodMs.toFixed(0)} ms; /healthz during it ${healthMs.toFixed(1)} ms`);
  });

  it('/metrics with METRICS_TOKEN set: no token or a wrong one is 401 and runs no query; the token is 200', async () => {
    queueQueries = 0;
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN]) {
      const response = await app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
      expect(response.statusCode, String(authorization)).toBe(401);
      expect(response.body).not.toContain('kpi_queue_depth');
    }
    expect(queueQueries).toBe(0);
    const scrape = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scrape.statusCode).toBe(200);
    expect(scrape.body).toContain('kpi_queue_depth{status="queued"} 0');
    expect(queueQueries).toBe(1);
  });

  it('/metrics without METRICS_TOKEN answers this machine only: not a remote client, nor one through a proxy', async () => {
    queueQueries = 0;
    const remote = await open.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    expect(remote.statusCode).toBe(403);
    const proxied = await open.inject({ method: 'GET', url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.statusCode).toBe(403);
    expect(queueQueries).toBe(0);
    const local = await open.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(local.statusCode).toBe(200);
    expect(local.body).toContain('kpi_queue_depth');
  });
});
