import { fleetJson } from '@kpi/api';
import { providerBudgets, providerSlots } from '@kpi/connectors';
import { sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beat, startHeartbeat } from '../src/instance-heartbeat.ts';
import { trpcData, trpcQuery } from './http.ts';
import { buildTestApp, createTestUser, silentLog, type TestUser, testDeps } from './support.ts';

const NOW = new Date('2026-07-01T12:00:00.000Z');
const MARKER = 'fleet-private-marker-7f3a';

type Run = {
  userId: number;
  service: 'meta' | 'ga4' | 'shopify';
  trigger: 'cron' | 'manual' | 'recovery';
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped';
  /** Minutes before NOW the fire was for. */
  ago: number;
  lagMs?: number;
  attempt?: number;
  runAfterMinutes?: number;
};

describe.each(BACKENDS)('the fleet figures on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let admin: TestUser;
  let ana: TestUser;
  let bo: TestUser;

  const insertRuns = (runs: Run[]) =>
    withService(database.db, async (tx) => {
      for (const run of runs) {
        const scheduledFor = new Date(NOW.getTime() - run.ago * 60_000);
        const startedAt = run.lagMs === undefined ? null : new Date(scheduledFor.getTime() + run.lagMs);
        const runAfter = new Date(NOW.getTime() + (run.runAfterMinutes ?? -run.ago) * 60_000);
        await tx.execute(
          sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, attempt, started_at, run_after, error, created_at)
              VALUES (${run.userId}, ${run.service}, ${run.trigger}, ${scheduledFor}, ${run.status}, ${run.attempt ?? 1},
                      ${startedAt}, ${runAfter}, ${run.status === 'failed' ? MARKER : null}, ${scheduledFor})`,
        );
      }
    });

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database, { deps: testDeps(database, {}, () => NOW) });
    admin = await createTestUser(database, 'fleet-admin', 'admin');
    ana = await createTestUser(database, 'fleet-ana');
    bo = await createTestUser(database, 'fleet-bo');
    // A source is a schedule row (GET /api/schedules creates all three); disabled ones count as well.
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_schedules (user_id, service, cron_expression)
                     SELECT u, s, '0 2 * * *' FROM unnest(ARRAY[${ana.id}, ${bo.id}]::int[]) AS u
                     CROSS JOIN unnest(ARRAY['meta', 'ga4', 'shopify']) AS s`),
    );
    await insertRuns([
      // Cron first attempts in the last 24 h, lags 100..1000 ms: p50 550, p99 991.
      ...Array.from(
        { length: 10 },
        (_, i): Run => ({
          userId: ana.id,
          service: 'meta',
          trigger: 'cron',
          status: 'succeeded',
          ago: 600 - i * 60,
          lagMs: (i + 1) * 100,
        }),
      ),
      // Not fire lag: a retry (its started_at is its own), a manual run, a fire older than 24 h.
      { userId: ana.id, service: 'meta', trigger: 'cron', status: 'succeeded', ago: 30, lagMs: 600_000, attempt: 2 },
      { userId: bo.id, service: 'ga4', trigger: 'manual', status: 'succeeded', ago: 20, lagMs: 900_000 },
      { userId: bo.id, service: 'ga4', trigger: 'cron', status: 'succeeded', ago: 25 * 60, lagMs: 900_000 },
      // Latest finished run failed: ana's meta and bo's shopify are failing; ana's ga4 recovered.
      { userId: ana.id, service: 'meta', trigger: 'manual', status: 'failed', ago: 5 },
      { userId: ana.id, service: 'ga4', trigger: 'manual', status: 'failed', ago: 50 },
      { userId: ana.id, service: 'ga4', trigger: 'manual', status: 'succeeded', ago: 40 },
      { userId: bo.id, service: 'shopify', trigger: 'cron', status: 'failed', ago: 10, lagMs: 50, attempt: 3 },
      // Queue: two due now, one waiting for its retry time (not in the depth).
      { userId: bo.id, service: 'meta', trigger: 'manual', status: 'queued', ago: 1, runAfterMinutes: -1 },
      { userId: ana.id, service: 'shopify', trigger: 'manual', status: 'queued', ago: 2, runAfterMinutes: 0 },
      { userId: bo.id, service: 'ga4', trigger: 'cron', status: 'queued', ago: 3, runAfterMinutes: 7 },
      { userId: bo.id, service: 'shopify', trigger: 'recovery', status: 'skipped', ago: 90 },
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  it('counts queue depth, fire lag, runs by status, failing and paused sources across users', async () => {
    // One schedule the engine paused, one the user switched off: only the first is a paused source.
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_schedules (user_id, service, cron_expression, enabled, paused_at, paused_reason)
                     VALUES (${bo.id}, 'meta', '0 2 * * *', false, now(), 'Paused after 5 failed runs in a row'),
                            (${ana.id}, 'shopify', '0 2 * * *', false, NULL, NULL)
                     ON CONFLICT (user_id, service) DO UPDATE
                       SET enabled = false, paused_at = EXCLUDED.paused_at, paused_reason = EXCLUDED.paused_reason`),
    );
    const response = await app.inject({ method: 'GET', url: '/api/admin/fleet', headers: admin.auth });
    expect(response.statusCode, response.body).toBe(200);
    const fleet = fleetJson.parse((response.json() as { data: unknown }).data);
    expect(fleet).toEqual({
      instances: [],
      queue_depth: 2,
      fire_lag_ms: { p50: 550, p99: 991 },
      // The run older than 24 h is not counted.
      runs_24h: { queued: 3, running: 0, succeeded: 13, failed: 3, skipped: 1 },
      failing_sources: 2,
      paused_sources: 1,
      provider_budgets: [],
    });
    expect(trpcData(await trpcQuery(app, 'admin.fleet', undefined, admin.auth))).toEqual(fleet);
  });

  it('shows each provider budget and the slots taken now, from the deployment-wide slot table', async () => {
    const slots = providerSlots(database.db, { limits: { meta: 4, google: 6, shopify: 2 }, leaseMs: 60_000, waitMs: 1_000 });
    await slots.prepare();
    const releases = [await slots.acquire('meta'), await slots.acquire('meta'), await slots.acquire('google')];
    const withBudgets = await buildTestApp(database, {
      deps: { ...testDeps(database, {}, () => NOW), providerBudgets: () => providerBudgets(database.db) },
    });
    try {
      const response = await withBudgets.inject({ method: 'GET', url: '/api/admin/fleet', headers: admin.auth });
      expect(response.statusCode, response.body).toBe(200);
      expect(fleetJson.parse(response.json().data).provider_budgets).toEqual([
        { provider: 'meta', in_use: 2, limit: 4 },
        { provider: 'google', in_use: 1, limit: 6 },
        { provider: 'shopify', in_use: 0, limit: 2 },
      ]);
    } finally {
      await Promise.all(releases.map((release) => release()));
      await withBudgets.close();
    }
  });

  it('holds only numbers and instance ids: no user, e-mail, run or error of anyone', async () => {
    const body = (await app.inject({ method: 'GET', url: '/api/admin/fleet', headers: admin.auth })).body;
    for (const secret of [MARKER, ana.email, bo.email, '"user_id"', '"service"', '"email"', '"error"']) {
      expect(body).not.toContain(secret);
    }
  });

  it('lists instances whose heartbeat is fresh, and forgets one that stops', async () => {
    const heartbeat = startHeartbeat({ db: database.db, instanceId: 'instance-a', clock: () => NOW, log: silentLog });
    await heartbeat.beat();
    // One that missed its beats for a minute (alive only within 30 s), one silent for two days (purged).
    await beat(
      database.db,
      { id: 'instance-stale', startedAt: new Date(NOW.getTime() - 3_600_000) },
      new Date(NOW.getTime() - 60_000),
    );
    await beat(
      database.db,
      { id: 'instance-gone', startedAt: new Date(NOW.getTime() - 3 * 86_400_000) },
      new Date(NOW.getTime() - 2 * 86_400_000),
    );
    await heartbeat.beat();
    const fleet = async () =>
      fleetJson.parse(
        ((await app.inject({ method: 'GET', url: '/api/admin/fleet', headers: admin.auth })).json() as { data: unknown }).data,
      );
    expect((await fleet()).instances).toEqual([
      { id: 'instance-a', started_at: NOW.toISOString(), last_seen_at: NOW.toISOString() },
    ]);
    const ids = await withService(database.db, (tx) => tx.execute(sql`SELECT id FROM scheduler_instances ORDER BY id`));
    expect((ids as unknown as { rows: Array<{ id: string }> }).rows.map((row) => row.id)).toEqual([
      'instance-a',
      'instance-stale',
    ]);
    await heartbeat.stop();
    expect((await fleet()).instances).toEqual([]);
  });
});
