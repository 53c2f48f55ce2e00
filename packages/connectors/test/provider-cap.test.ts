// Three connector stacks (each its own pool, gate and scheduler, as three server processes would have)
// on one PostgreSQL database, 300 users' Meta syncs queued at once against a Meta fake that takes 100 ms
// to answer, with META_MAX_CONCURRENCY=10: the fake, which counts, never sees more than 10 calls at a
// time, and every run finishes. The same on PGlite with one instance (embedded mode).
import { type Database, openPostgres, queryRows, sql, withService } from '@kpi/db';
import { EnhancedScheduler } from '@kpi/scheduler';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorRegistry } from '../src/handler.ts';
import { deploymentGate } from '../src/provider-gate.ts';
import { providerBudgets } from '../src/provider-slots.ts';
import { type ConnectorSettings, DEFAULT_CONNECTOR_SETTINGS } from '../src/settings.ts';
import { FakeMeta } from './fakes/meta.ts';
import { createUser, saveConnection, silent, testBox } from './support.ts';

const ACCOUNT = '1234567890';
const TOKEN = 'EAAG-meta-cap-test-token-0001';
const CAP = 10;
const LATENCY_MS = 100;

type Stack = { scheduler: EnhancedScheduler; close: () => Promise<void> };

describe.each(BACKENDS)('the Meta concurrency cap on %s', (backend) => {
  const instances = backend === 'postgres' ? 3 : 1;
  const users = backend === 'postgres' ? 300 : 60;
  let database: TestDatabase;
  let meta: FakeMeta;
  const stacks: Stack[] = [];
  const box = testBox();

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    meta = await FakeMeta.start();
    meta.tokens.add(TOKEN);
    meta.server.load.latencyMs = LATENCY_MS;
  });
  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.close()));
    await meta?.server.close();
    await database?.dispose();
  });

  const startStack = (name: string, db: Database): Stack => {
    const base: ConnectorSettings = {
      ...DEFAULT_CONNECTOR_SETTINGS,
      metaBaseUrl: meta.baseUrl,
      requestTimeoutMs: 10_000,
      providerLimits: { meta: CAP, google: CAP, shopify: CAP },
    };
    const settings = { ...base, gate: deploymentGate(db.db, base, { instance: name, listen: db.listen.bind(db) }) };
    const scheduler = new EnhancedScheduler({
      db: db.db,
      log: silent,
      handlers: connectorRegistry({ settings, box }),
      instanceId: name,
      concurrency: 64,
      pollIntervalMs: 100,
    });
    return {
      scheduler,
      close: async () => {
        await scheduler.stop(5_000);
      },
    };
  };

  it(`${users} users on ${instances} instance(s): never more than ${CAP} calls at the fake at once, every run finishes`, async () => {
    const ids: number[] = [];
    for (let i = 0; i < users; i++) {
      const userId = await createUser(database);
      await saveConnection(database, box, {
        userId,
        service: 'meta',
        accountId: ACCOUNT,
        kind: 'access_token',
        secret: { accessToken: TOKEN },
      });
      ids.push(userId);
    }
    const pools: Database[] =
      backend === 'postgres'
        ? Array.from({ length: instances }, () => openPostgres({ url: database.url as string, poolSize: 8 }))
        : [database];
    pools.forEach((pool, i) => {
      const stack = startStack(`instance-${i}`, pool);
      stacks.push({
        scheduler: stack.scheduler,
        close: async () => {
          await stack.close();
          if (pool !== database) await pool.close();
        },
      });
    });
    await Promise.all(stacks.map((stack) => stack.scheduler.start()));

    const started = Date.now();
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, max_attempts, run_after)
                     SELECT id, 'meta', 'manual', now(), 'queued', 1, now()
                     FROM unnest(${`{${ids.join(',')}}`}::int[]) AS id`),
    );
    let statuses: Array<{ status: string; n: number }> = [];
    let inUse = 0;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      statuses = await withService(database.db, (tx) =>
        queryRows<{ status: string; n: number }>(tx, sql`SELECT status, count(*)::int AS n FROM job_runs GROUP BY status`),
      );
      inUse = Math.max(inUse, ...(await providerBudgets(database.db)).map((budget) => budget.in_use));
      if (statuses.every((row) => row.status === 'succeeded' || row.status === 'failed')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const elapsed = Date.now() - started;

    expect(statuses).toEqual([{ status: 'succeeded', n: users }]);
    const calls = meta.server.requests.filter((request) => request.url.pathname.endsWith('/insights')).length;
    expect(calls).toBe(users);
    // The cap held across the instances, and was used: the calls were not merely serialised.
    expect(meta.server.load.maxInFlight).toBeLessThanOrEqual(CAP);
    expect(meta.server.load.maxInFlight).toBeGreaterThanOrEqual(CAP - 2);
    expect(inUse).toBeLessThanOrEqual(CAP);
    // At CAP calls of LATENCY_MS at a time the work takes users / CAP * LATENCY_MS at best.
    expect(elapsed).toBeGreaterThanOrEqual((users / CAP) * LATENCY_MS);
    expect(await providerBudgets(database.db)).toContainEqual({ provider: 'meta', in_use: 0, limit: CAP });
    // Every instance took its share of the runs (otherwise one instance alone would be what was capped).
    const perInstance = stacks.map((stack) => stack.scheduler.stats().runs.succeeded);
    expect(perInstance.every((n) => n > 0)).toBe(true);
    console.log(
      `provider-cap on ${backend}: ${users} runs on ${instances} instance(s) in ${elapsed} ms, ` +
        `${calls} Meta calls, at most ${meta.server.load.maxInFlight} at once (cap ${CAP}), ` +
        `runs per instance ${perInstance.join('/')}`,
    );
  }, 120_000);
});
