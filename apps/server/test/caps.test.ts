import { queryRows, sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureAttack } from './attack-cost.ts';
import { expectRestError, expectTrpcError, jsonHeaders, trpcMutation } from './http.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

describe.each(BACKENDS)('per-user caps on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  // The run-now window is read from the services' clock: the test moves it on instead of waiting a minute.
  let offsetMs = 0;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const deps = testDeps(database, { maxApiTokensPerUser: 50, runNowPerMinute: 2 }, () => new Date(Date.now() + offsetMs));
    app = await buildTestApp(database, { deps });
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  const activeTokens = async (userId: number) =>
    (
      await queryRows<{ count: number }>(
        database.db,
        sql`SELECT count(*)::int AS count FROM api_tokens WHERE user_id = ${userId} AND revoked_at IS NULL`,
      )
    )[0]?.count;
  const createToken = (user: TestUser, name: string) =>
    app.inject({ method: 'POST', url: '/api/tokens', headers: jsonHeaders(user.auth), payload: JSON.stringify({ name }) });

  it('60 parallel token creates leave at most 50 active tokens; the rest are 409 with a message', async () => {
    const user = await createTestUser(database, 'tokens'); // holds 1 token already
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => createToken(user, `t${i}`)));
    const created = answers.filter((r) => r.statusCode === 201).length;
    const refused = answers.filter((r) => r.statusCode === 409);
    expect(created).toBe(49);
    expect(refused).toHaveLength(11);
    expect(expectRestError(refused[0]!, 409).error.message).toMatch(/50 active API tokens/);
    expect(await activeTokens(user.id)).toBe(50);
    // tRPC goes through the same service.
    expectTrpcError(await trpcMutation(app, 'tokens.create', { name: 'more' }, user.auth), 409);
    // Revoking one frees a slot.
    const list = (await app.inject({ method: 'GET', url: '/api/tokens', headers: user.auth })).json().data as { id: number }[];
    const last = list.at(-1)!;
    expect((await app.inject({ method: 'DELETE', url: `/api/tokens/${last.id}`, headers: user.auth })).statusCode).toBe(200);
    expect((await createToken(user, 'again')).statusCode).toBe(201);
    expect(await activeTokens(user.id)).toBe(50);

    // The attacker keeps going: every call is refused, no row is added, a bystander's probe stays fast.
    const cost = await measureAttack(app, 300, 20, () => createToken(user, 'flood'));
    console.info(`[caps:${backend}] token flood at the cap`, JSON.stringify(cost));
    expect(await activeTokens(user.id)).toBe(50);
    const [rows] = await queryRows<{ count: number }>(
      database.db,
      sql`SELECT count(*)::int AS count FROM api_tokens WHERE user_id = ${user.id}`,
    );
    expect(rows?.count).toBe(51); // 50 active + the one revoked
  });

  it('run-now: at most RUN_NOW_PER_MINUTE manual runs a minute per user, then 429 with Retry-After', async () => {
    const user = await createTestUser(database, 'runs');
    const other = await createTestUser(database, 'bystander');
    const runNow = (who: TestUser, service: string) =>
      app.inject({ method: 'POST', url: `/api/schedules/${service}/run`, headers: who.auth });
    expect((await runNow(user, 'meta')).statusCode).toBe(200);
    expect((await runNow(user, 'ga4')).statusCode).toBe(200);
    const limited = await runNow(user, 'shopify');
    expect(expectRestError(limited, 429).error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(55);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another user's budget is their own.
    expect((await runNow(other, 'shopify')).statusCode).toBe(200);
    offsetMs += 45_000;
    const later = Number((await runNow(user, 'shopify')).headers['retry-after']);
    expect(later).toBeGreaterThanOrEqual(10);
    expect(later).toBeLessThanOrEqual(15);

    const manualRuns = async () =>
      (
        await queryRows<{ count: number }>(
          database.db,
          sql`SELECT count(*)::int AS count FROM job_runs WHERE user_id = ${user.id} AND trigger = 'manual'`,
        )
      )[0]?.count;
    const cost = await measureAttack(app, 200, 10, () => runNow(user, 'shopify'));
    console.info(`[caps:${backend}] run-now flood at the cap`, JSON.stringify(cost));
    expect(await manualRuns()).toBe(2);

    // A minute after the first run, the window has room again.
    offsetMs += 16_000;
    expect((await runNow(user, 'shopify')).statusCode).toBe(200);
    expect(await manualRuns()).toBe(3);
  });
});
