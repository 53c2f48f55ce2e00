import { providerSlots, sampleRegistry } from '@kpi/connectors';
import { applyMigrations, openPostgres, sql, withService } from '@kpi/db';
import { EnhancedScheduler, systemClock } from '@kpi/scheduler';
import { createPostgresDatabase, POSTGRES_ENABLED } from '@kpi/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.ts';
import { SchemaWatch } from '../src/schema-watch.ts';
import { buildTestApp, silentLog } from './support.ts';

// Needs a database it can take away and give back: PostgreSQL only.
const suites = POSTGRES_ENABLED ? ['postgres'] : [];

describe.each(suites)('operations on %s: readiness, metrics, waiting for the schema', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('waits for missing tables, then starts by itself; /readyz is 503 until then and 200 after', async () => {
    const created = await createPostgresDatabase();
    cleanups.push(created.drop);
    const database = openPostgres({ url: created.url, poolSize: 3 });
    cleanups.push(() => database.close());
    // A database the app cannot migrate (we simulate it by pointing the watch at an empty migrations folder).
    const watch = new SchemaWatch(database, silentLog, 100, '/nonexistent-migrations-folder');
    let schedulerState = 'waiting' as 'waiting' | 'running';
    const scheduler = new EnhancedScheduler({ db: database.db, clock: systemClock, log: silentLog, handlers: sampleRegistry() });
    cleanups.push(async () => void (await scheduler.stop(500)));
    const app = await buildTestApp(database, { schemaReady: () => watch.isReady(), scheduler: () => schedulerState });
    cleanups.push(() => app.close());
    await watch.start();
    void watch.whenReady().then(async () => {
      await scheduler.start();
      schedulerState = 'running';
    });
    const before = await app.inject({ method: 'GET', url: '/readyz' });
    expect(before.statusCode).toBe(503);
    expect(before.json()).toMatchObject({ ready: false, database: 'ok', schema: 'missing', scheduler: 'waiting' });

    await applyMigrations(database);
    const deadline = Date.now() + 5_000;
    while (schedulerState !== 'running' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(schedulerState).toBe('running');
    const after = await app.inject({ method: 'GET', url: '/readyz' });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual({ ready: true, database: 'ok', schema: 'ok', scheduler: 'running' });
    expect(scheduler.stats().state).toBe('running');
  });

  it('answers /readyz 503 when the database is unreachable, and /healthz 200 all the same', async () => {
    const database = openPostgres({ url: 'postgres://nobody@127.0.0.1:1/none', poolSize: 1 });
    cleanups.push(() => database.close());
    const app = await buildTestApp(database);
    cleanups.push(() => app.close());
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().database).toBe('unreachable');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('exports fire lag, runs by status, queue depth and lease expiries in Prometheus format', async () => {
    const created = await createPostgresDatabase();
    cleanups.push(created.drop);
    const database = openPostgres({ url: created.url, poolSize: 3 });
    cleanups.push(() => database.close());
    await applyMigrations(database);
    const metrics = createMetrics(database.db, () => 7);
    metrics.observer.fired?.({ service: 'meta', trigger: 'cron', status: 'queued', lagMs: 120 });
    metrics.observer.runFinished?.({ service: 'meta', status: 'succeeded', durationMs: 40 });
    metrics.observer.runFinished?.({ service: 'ga4', status: 'failed', durationMs: 10 });
    metrics.observer.leaseExpired?.(2);
    await withService(database.db, async (tx) => {
      await tx.execute(sql`INSERT INTO users (email, password_hash) VALUES ('m@example.test', 'x')`);
      await tx.execute(
        sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for) SELECT id, 'meta', 'manual', now() FROM users`,
      );
    });
    // One Meta call in flight somewhere in the deployment, under caps of 3/5/2.
    const slots = providerSlots(database.db, { limits: { meta: 3, google: 5, shopify: 2 }, leaseMs: 60_000, waitMs: 1_000 });
    await slots.prepare();
    await slots.acquire('meta');
    const app = await buildTestApp(database, { extend: (instance) => metrics.register(instance) });
    cleanups.push(() => app.close());
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('kpi_provider_slots_in_use{provider="meta"} 1');
    expect(text).toContain('kpi_provider_slots_in_use{provider="google"} 0');
    expect(text).toContain('kpi_provider_slots_limit{provider="meta"} 3');
    expect(text).toContain('kpi_provider_slots_limit{provider="shopify"} 2');
    expect(text).toContain('kpi_fire_lag_seconds_bucket{le="0.25",service="meta",trigger="cron"} 1');
    expect(text).toContain('kpi_runs_total{service="meta",status="succeeded"} 1');
    expect(text).toContain('kpi_runs_total{service="ga4",status="failed"} 1');
    expect(text).toContain('kpi_queue_depth{status="queued"} 1');
    expect(text).toContain('kpi_lease_expiries_total 2');
    expect(text).toContain('kpi_schedules_known 7');
  });
});
