import type { ApiDeps } from '@kpi/api';
import { type Database, openPostgres, queryRows, sql, withService, withTenant } from '@kpi/db';
import { openTestDatabase, POSTGRES_ENABLED, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.ts';
import { RateCounters, storeKey } from '../src/rate-limit.ts';
import { expectRestError, expectTrpcError, jsonHeaders } from './http.ts';
import { createTestUser, silentLog, type TestUser, testDeps } from './support.ts';

// The API limit (per user, per minute) and the sign-in limit, counted in memory and shared through the
// rate_limits table. Tests call counters.sync() where an instance would otherwise wait for its timer.

type Instance = { app: FastifyInstance; counters: RateCounters };

async function startInstance(
  database: Database,
  options: { perMinute: number; loginMaxAttempts: number; syncMs?: number },
): Promise<Instance> {
  const deps: ApiDeps = testDeps(database);
  const counters = new RateCounters({ db: database.db, clock: deps.clock, log: silentLog, syncMs: options.syncMs ?? 3_600_000 });
  const app = await buildApp({
    deps,
    log: silentLog,
    bodyLimitBytes: 64 * 1024,
    login: { maxAttempts: options.loginMaxAttempts, windowSeconds: 900 },
    rateLimit: { perMinute: options.perMinute, counters },
    readiness: { ping: async () => undefined, schemaReady: () => true, scheduler: () => 'disabled' },
  });
  return { app, counters };
}

const schedules = (instance: Instance, user: TestUser) =>
  instance.app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth });
const login = (instance: Instance, email: string, password: string) =>
  instance.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: jsonHeaders(),
    payload: JSON.stringify({ email, password }),
  });

function expectLimited(response: Awaited<ReturnType<typeof schedules>>, windowSeconds: number): void {
  expect(expectRestError(response, 429).error.code).toBe('RATE_LIMITED');
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

describe('one instance on PGlite', () => {
  let database: TestDatabase;
  let instance: Instance;
  let a: TestUser;
  let b: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    instance = await startInstance(database, { perMinute: 5, loginMaxAttempts: 3, syncMs: 50 });
    a = await createTestUser(database, 'alice');
    b = await createTestUser(database, 'bob');
  });
  afterAll(async () => {
    await instance?.app.close();
    await database?.dispose();
  });

  it('the API answers 429 with Retry-After past the per-minute limit, for that user only (REST and tRPC)', async () => {
    for (let i = 0; i < 5; i++) expect((await schedules(instance, a)).statusCode).toBe(200);
    expectLimited(await schedules(instance, a), 60);
    const trpc = await instance.app.inject({ method: 'GET', url: '/trpc/schedules.list', headers: a.auth });
    expect(expectTrpcError(trpc, 429).appCode).toBe('RATE_LIMITED');
    expect(Number(trpc.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await schedules(instance, b)).statusCode).toBe(200);
    // Health checks are not API traffic and are never limited.
    expect((await instance.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('the background sync writes the counts to rate_limits without being asked', async () => {
    await vi.waitFor(
      async () => {
        const rows = await queryRows<{ hits: number }>(
          database.db,
          sql`SELECT hits FROM rate_limits WHERE key = ${storeKey(`user:${a.id}`)}`,
        );
        expect(rows[0]?.hits).toBeGreaterThanOrEqual(7);
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  it('rate_limits: the service role may count (allowed), a tenant may not even read it (denied)', async () => {
    const rows = await withService(database.db, (tx) => queryRows<{ key: string }>(tx, sql`SELECT key FROM rate_limits`));
    expect(rows.map((r) => r.key)).toContain(storeKey(`user:${a.id}`));
    // drizzle wraps the driver's error: the refusal is the cause's SQLSTATE 42501 (insufficient_privilege).
    const refusal = (work: Promise<unknown>) =>
      work.then(
        () => 'allowed',
        (error: { cause?: { code?: string }; code?: string }) => error.cause?.code ?? error.code,
      );
    expect(await refusal(withTenant(database.db, a.id, (tx) => tx.execute(sql`SELECT key FROM rate_limits`)))).toBe('42501');
    const insert = sql`INSERT INTO rate_limits (key, window_start, hits, expires_at) VALUES ('x', now(), 1, now())`;
    expect(await refusal(withTenant(database.db, a.id, (tx) => tx.execute(insert)))).toBe('42501');
  });

  it('sign-in failures are limited too', async () => {
    const email = `nobody-${Date.now()}@example.test`;
    for (let i = 0; i < 3; i++) expectRestError(await login(instance, email, 'wrong-password'), 401);
    expectLimited(await login(instance, email, 'wrong-password'), 900);
  });
});

describe.runIf(POSTGRES_ENABLED)('two instances over one PostgreSQL database', () => {
  let database: TestDatabase;
  let second: Database;
  let one: Instance;
  let two: Instance;
  let user: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    second = openPostgres({ url: database.url as string, poolSize: 2 });
    one = await startInstance(database, { perMinute: 10, loginMaxAttempts: 3 });
    two = await startInstance(second, { perMinute: 10, loginMaxAttempts: 3 });
    user = await createTestUser(database, 'shared');
    other = await createTestUser(database, 'other');
  });
  afterAll(async () => {
    await one?.app.close();
    await two?.app.close();
    await second?.close();
    await database?.dispose();
  });

  it('share one API limit: hits on either instance count against it, both answer 429 + Retry-After', async () => {
    for (let i = 0; i < 6; i++) expect((await schedules(one, user)).statusCode).toBe(200);
    await one.counters.sync();
    // Alone, instance two would admit ten; it admits the four left and no more once it has synced.
    for (let i = 0; i < 4; i++) expect((await schedules(two, user)).statusCode).toBe(200);
    await two.counters.sync();
    expectLimited(await schedules(two, user), 60);
    await one.counters.sync();
    expectLimited(await schedules(one, user), 60);
    const [row] = await queryRows<{ hits: number }>(
      database.db,
      sql`SELECT hits FROM rate_limits WHERE key = ${storeKey(`user:${user.id}`)}`,
    );
    expect(row?.hits).toBeGreaterThanOrEqual(10);
    // Another user's budget is untouched.
    expect((await schedules(two, other)).statusCode).toBe(200);
  });

  it('share one sign-in limit: failures spread over both instances lock the account on both', async () => {
    const email = user.email;
    for (let i = 0; i < 2; i++) expectRestError(await login(one, email, `wrong-${i}`), 401);
    await one.counters.sync();
    expectRestError(await login(two, email, 'wrong-2'), 401);
    await two.counters.sync();
    expectLimited(await login(two, email, 'password-123'), 900);
    await one.counters.sync();
    // The right password does not get through on the first instance either.
    expectLimited(await login(one, email, 'password-123'), 900);
  });

  it('without a sync an instance counts on its own: the documented approximation, bounded by one sync interval', async () => {
    const fresh = await createTestUser(database, 'fresh');
    for (let i = 0; i < 10; i++) expect((await schedules(one, fresh)).statusCode).toBe(200);
    // Instance two has not heard of these hits yet, so it still admits; after one sync it does not.
    expect((await schedules(two, fresh)).statusCode).toBe(200);
    await one.counters.sync();
    await two.counters.sync();
    expectLimited(await schedules(two, fresh), 60);
  });
});
