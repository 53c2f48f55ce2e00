import { randomBytes } from 'node:crypto';
import { type Database, openPostgres, postgresPathsOf, queryRows, sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, POSTGRES_ENABLED, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.ts';
import { RateCounters, storeKey } from '../src/rate-limit.ts';
import { expectRestError, expectTrpcError, jsonHeaders } from './http.ts';
import { createTestUser, silentLog, type TestUser, testDeps } from './support.ts';

// Guessing API tokens or session cookies, from the attacker's side: failed credentials are counted per
// client address in the shared counters, and an address over the limit is refused before any lookup.

const MAX_FAILURES = 5;
const WINDOW_SECONDS = 300;

type Instance = { app: FastifyInstance; counters: RateCounters; advance: (ms: number) => void };

async function startInstance(database: Database): Promise<Instance> {
  // One second into a window, so a test's failures never straddle a window boundary.
  let now = Math.floor(Date.now() / (WINDOW_SECONDS * 1000)) * WINDOW_SECONDS * 1000 + 1000;
  const deps = testDeps(database, {}, () => new Date(now));
  const counters = new RateCounters({ db: database.db, clock: deps.clock, log: silentLog, syncMs: 3_600_000 });
  const app = await buildApp({
    deps,
    log: silentLog,
    bodyLimitBytes: 64 * 1024,
    login: { maxAttempts: 1000, windowSeconds: 900 },
    credentialFailures: { maxFailures: MAX_FAILURES, windowSeconds: WINDOW_SECONDS },
    rateLimit: { perMinute: 0, counters },
    readiness: { ping: async () => undefined, schemaReady: () => true, scheduler: () => 'disabled' },
  });
  return { app, counters, advance: (ms) => (now += ms) };
}

// Well-formed, so each one really is looked up (a malformed one is refused unhashed).
const forgedToken = () => `kpi_${randomBytes(32).toString('base64url')}`;
const forgedCookie = () => `kpi_session=s_${randomBytes(32).toString('base64url')}`;

const get = (instance: Instance, ip: string, headers: Record<string, string> = {}, url = '/api/schedules') =>
  instance.app.inject({ method: 'GET', url, headers, remoteAddress: ip });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function fail(instance: Instance, ip: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) expectRestError(await get(instance, ip, bearer(forgedToken())), 401);
}

function expectLimited(response: LightMyRequestResponse): void {
  expect(expectRestError(response, 429).error.code).toBe('RATE_LIMITED');
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
}

describe.each(BACKENDS)('failed credentials on %s', (backend) => {
  let database: TestDatabase;
  let instance: Instance;
  let user: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    instance = await startInstance(database);
    user = await createTestUser(database, 'victim');
  });
  afterAll(async () => {
    await instance?.app.close();
    await database?.dispose();
  });

  it('forged bearer tokens: 401 up to the limit, then 429 with Retry-After on REST and tRPC, even for a valid token', async () => {
    const ip = '203.0.113.1';
    await fail(instance, ip, MAX_FAILURES - 1);
    // A success in between does not wipe the record: one valid token of its own buys a guesser nothing.
    expect((await get(instance, ip, user.auth)).statusCode).toBe(200);
    await fail(instance, ip, 1);
    expectLimited(await get(instance, ip, bearer(forgedToken())));
    expectLimited(await get(instance, ip, user.auth));
    const trpc = await get(instance, ip, user.auth, '/trpc/schedules.list');
    expect(expectTrpcError(trpc, 429).appCode).toBe('RATE_LIMITED');
    expect(Number(trpc.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('a blocked address is refused without a database lookup', async () => {
    const ip = '203.0.113.2';
    // Lookups run on the tenant pool or, on PostgreSQL, on the service role's own pool: watch both.
    const pools = [database.db, postgresPathsOf(database.db)?.serviceDb].filter((db) => db !== undefined);
    const spies = pools.map((db) => vi.spyOn(db, 'transaction'));
    const lookups = () => spies.reduce((count, spy) => count + spy.mock.calls.length, 0);
    try {
      expectRestError(await get(instance, ip, bearer(forgedToken())), 401);
      // The check above is what would fail if the spies could not see lookups.
      expect(lookups()).toBe(1);
      await fail(instance, ip, MAX_FAILURES - 1);
      for (const spy of spies) spy.mockClear();
      for (let i = 0; i < 10; i++) expectLimited(await get(instance, ip, bearer(forgedToken())));
      expectLimited(await get(instance, ip, { cookie: forgedCookie() }));
      expect(lookups()).toBe(0);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('another address with a valid token, and anonymous calls from the blocked address, are unaffected', async () => {
    const ip = '203.0.113.3';
    await fail(instance, ip, MAX_FAILURES);
    expectLimited(await get(instance, ip, user.auth));
    expect((await get(instance, '198.51.100.1', user.auth)).statusCode).toBe(200);
    // No credential, no limit: public routes answer, and a person behind that address can still sign in.
    expect((await get(instance, ip, {}, '/api/openapi.json')).statusCode).toBe(200);
    expectRestError(await get(instance, ip, {}, '/api/auth/me'), 401);
    const signIn = await instance.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: jsonHeaders(),
      payload: JSON.stringify({ email: user.email, password: 'password-123' }),
      remoteAddress: ip,
    });
    expect(signIn.statusCode).toBe(200);
  });

  it('forged session cookies count too (with tokens, one count), and each dead cookie is cleared', async () => {
    const ip = '203.0.113.4';
    await fail(instance, ip, 2);
    for (let i = 0; i < MAX_FAILURES - 2; i++) {
      const response = await get(instance, ip, { cookie: forgedCookie() });
      expectRestError(response, 401);
      expect(String(response.headers['set-cookie'])).toMatch(/^kpi_session=;/);
    }
    expectLimited(await get(instance, ip, { cookie: forgedCookie() }));
    expectLimited(await get(instance, ip, user.auth));
  });

  it('signing in with a dead cookie still sets the new session (the clearing does not win)', async () => {
    const signIn = await instance.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: jsonHeaders({ cookie: forgedCookie() }),
      payload: JSON.stringify({ email: user.email, password: 'password-123' }),
      remoteAddress: '203.0.113.8',
    });
    expect(signIn.statusCode).toBe(200);
    expect(String(signIn.headers['set-cookie'])).toMatch(/^kpi_session=s_[A-Za-z0-9_-]{43};/);
  });

  it('the viewer cache neither hides repeated failures nor lets a blocked address through', async () => {
    const ip = '203.0.113.5';
    // Cached now: a later request with it would not reach the database.
    expect((await get(instance, ip, user.auth)).statusCode).toBe(200);
    const token = forgedToken();
    for (let i = 0; i < MAX_FAILURES; i++) expectRestError(await get(instance, ip, bearer(token)), 401);
    expectLimited(await get(instance, ip, bearer(token)));
    expectLimited(await get(instance, ip, user.auth));
  });

  it('the count ends with its window', async () => {
    const ip = '203.0.113.6';
    await fail(instance, ip, MAX_FAILURES);
    expectLimited(await get(instance, ip, user.auth));
    instance.advance((WINDOW_SECONDS - 2) * 1000);
    expectLimited(await get(instance, ip, user.auth));
    instance.advance(2_000);
    expect((await get(instance, ip, user.auth)).statusCode).toBe(200);
    // A new window counts from zero again.
    await fail(instance, ip, MAX_FAILURES);
    expectLimited(await get(instance, ip, user.auth));
  });
});

describe.runIf(POSTGRES_ENABLED)('failed credentials over two instances of one PostgreSQL database', () => {
  let database: TestDatabase;
  let second: Database;
  let one: Instance;
  let two: Instance;
  let user: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    second = openPostgres({ url: database.url as string, poolSize: 2 });
    one = await startInstance(database);
    two = await startInstance(second);
    user = await createTestUser(database, 'shared');
  });
  afterAll(async () => {
    await one?.app.close();
    await two?.app.close();
    await second?.close();
    await database?.dispose();
  });

  it('share one count: failures spread over both instances block the address on both', async () => {
    const ip = '203.0.113.7';
    await fail(one, ip, MAX_FAILURES - 1);
    await one.counters.sync();
    // Alone, instance two would allow MAX_FAILURES; it allows the one left and then refuses.
    await fail(two, ip, 1);
    await two.counters.sync();
    expectLimited(await get(two, ip, user.auth));
    await one.counters.sync();
    expectLimited(await get(one, ip, user.auth));
    // The shared row is keyed by the address alone (hashed): no credential is ever stored.
    const rows = await queryRows<{ key: string; hits: number }>(
      database.db,
      sql`SELECT key, hits FROM rate_limits WHERE key LIKE 'credential:%'`,
    );
    expect(rows).toEqual([{ key: storeKey(`credential:ip:${ip}`), hits: MAX_FAILURES }]);
    expect((await get(two, '198.51.100.2', user.auth)).statusCode).toBe(200);
  });
});
