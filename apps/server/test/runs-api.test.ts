import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, startAppWithScheduler, type TestUser } from './support.ts';

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(BACKENDS)('runs, KPIs and scheduler stats through the API on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let stop: () => Promise<void>;
  let alice: TestUser;
  let bob: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const started = await startAppWithScheduler(database);
    ({ app, stop } = started);
    alice = await createTestUser(database, 'alice');
    bob = await createTestUser(database, 'bob');
    admin = await createTestUser(database, 'admin', 'admin');
  });
  afterAll(async () => {
    await stop?.();
    await database?.dispose();
  });

  const get = (user: TestUser, url: string) => app.inject({ method: 'GET', url, headers: user.auth });

  it('runs a manual sync to success, records sample KPIs, and shows it in the history', async () => {
    const started = await app.inject({ method: 'POST', url: '/api/schedules/shopify/run', headers: alice.auth });
    expect(started.statusCode).toBe(200);
    const { jobId } = started.json().data as { jobId: string };
    const runId = Number(jobId.replace('job-', ''));
    const run = await until(
      async () => (await get(alice, `/api/runs/${runId}`)).json().data,
      (data) => data.status === 'succeeded',
    );
    expect(run).toMatchObject({ id: runId, jobId, service: 'shopify', trigger: 'manual', status: 'succeeded', attempt: 1 });
    expect(run.result).toMatchObject({ source: 'sample', sample: true, rows: 1 });
    const kpis = (await get(alice, '/api/kpis')).json().data;
    expect(kpis).toEqual([
      expect.objectContaining({
        service: 'shopify',
        sample: true,
        source: 'sample',
        metrics: run.result.metrics,
        date: run.result.date,
      }),
    ]);
    // A second run of the same day overwrites the snapshot rather than adding one.
    const again = await app.inject({ method: 'POST', url: '/api/schedules/shopify/run', headers: alice.auth });
    const secondId = Number((again.json().data.jobId as string).replace('job-', ''));
    await until(
      async () => (await get(alice, `/api/runs/${secondId}`)).json().data,
      (data) => data.status === 'succeeded',
    );
    expect((await get(alice, '/api/kpis')).json().data).toHaveLength(1);
  });

  it('pages the history newest first and filters by service and status', async () => {
    for (const service of ['meta', 'ga4']) {
      const response = await app.inject({ method: 'POST', url: `/api/schedules/${service}/run`, headers: alice.auth });
      const id = Number((response.json().data.jobId as string).replace('job-', ''));
      await until(
        async () => (await get(alice, `/api/runs/${id}`)).json().data,
        (data) => data.status === 'succeeded',
      );
    }
    const first = (await get(alice, '/api/runs?limit=2')).json().data;
    expect(first.items).toHaveLength(2);
    expect(first.items[0].id).toBeGreaterThan(first.items[1].id);
    expect(first.nextCursor).toBe(first.items[1].id);
    const second = (await get(alice, `/api/runs?limit=2&cursor=${first.nextCursor}`)).json().data;
    expect(second.items).toHaveLength(2);
    expect(second.items[0].id).toBeLessThan(first.items[1].id);
    expect(second.nextCursor).toBeNull();
    const metaOnly = (await get(alice, '/api/runs?service=meta&status=succeeded')).json().data;
    expect(metaOnly.items.map((r: { service: string }) => r.service)).toEqual(['meta']);
    expect((await get(alice, '/api/runs?status=bogus')).statusCode).toBe(400);
    expect((await get(alice, '/api/runs?limit=1000')).statusCode).toBe(400);
  });

  it('gives per-service stats of the user’s own runs only', async () => {
    const stats = (await get(alice, '/api/runs/stats')).json().data;
    expect(stats.map((s: { service: string }) => s.service)).toEqual(['meta', 'ga4', 'shopify']);
    const shopify = stats.find((s: { service: string }) => s.service === 'shopify');
    expect(shopify).toMatchObject({ runs_total: 2, success_rate: 1 });
    expect(typeof shopify.average_duration_ms).toBe('number');
    expect(shopify.last_success_at).not.toBeNull();
    const bobStats = (await get(bob, '/api/runs/stats')).json().data;
    expect(bobStats.every((s: { runs_total: number }) => s.runs_total === 0)).toBe(true);
    // Bob cannot read Alice's runs by id, page or filter.
    const aliceRun = (await get(alice, '/api/runs?limit=1')).json().data.items[0];
    expect((await get(bob, `/api/runs/${aliceRun.id}`)).statusCode).toBe(404);
    expect((await get(bob, '/api/runs')).json().data.items).toEqual([]);
    expect((await get(bob, '/api/kpis')).json().data).toEqual([]);
  });

  it('shows instance statistics to administrators only, through REST and tRPC', async () => {
    expect((await get(alice, '/api/scheduler/stats')).statusCode).toBe(403);
    expect((await get(alice, '/trpc/scheduler.stats')).statusCode).toBe(403);
    const stats = (await get(admin, '/api/scheduler/stats')).json().data;
    expect(stats).toMatchObject({ state: 'running', claimsLost: 0 });
    expect(stats.runs.succeeded).toBeGreaterThanOrEqual(4);
    const viaTrpc = (await get(admin, '/trpc/scheduler.stats')).json().result.data;
    expect(viaTrpc.instanceId).toBe(stats.instanceId);
  });

  it('previews the next fires for any caller, as the engine computes them, with the same 400 as PUT', async () => {
    const ok = await app.inject({
      method: 'GET',
      url: '/api/schedules/preview?cron=0%202%20*%20*%20*&timezone=Asia/Kolkata&from=2026-01-01T00:00:00Z&count=3',
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().data.runs).toEqual(['2026-01-01T20:30:00.000Z', '2026-01-02T20:30:00.000Z', '2026-01-03T20:30:00.000Z']);
    const bad = await app.inject({ method: 'GET', url: '/api/schedules/preview?cron=0%200%2030%202%20*&timezone=UTC' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_CRON');
    const put = await app.inject({
      method: 'PUT',
      url: '/api/schedules/meta',
      headers: alice.auth,
      payload: { cron: '0 0 30 2 *' },
    });
    expect(put.json().error).toEqual(bad.json().error);
    expect(
      (await app.inject({ method: 'GET', url: '/api/schedules/preview?cron=*%20*%20*%20*%20*&timezone=UTC&count=51' }))
        .statusCode,
    ).toBe(400);
  });
});
