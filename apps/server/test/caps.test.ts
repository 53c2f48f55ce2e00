import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineLatency, listenOnLoopback, measureAttack } from './attack-cost.ts';
import { expectRestError, expectTrpcError, jsonHeaders, trpcMutation } from './http.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

const SERVICES = ['meta', 'ga4', 'shopify'] as const;
const START = new Date('2030-03-01T10:00:00.000Z');

describe.each(BACKENDS)('per-user caps on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let base: string;
  let healthz: string;
  // The services read the run-now window from this clock: the test moves it instead of waiting a minute.
  let now = START;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    // The defaults (50 tokens, 10 run-now a minute) are what is under test: no override.
    app = await buildTestApp(database, { deps: testDeps(database, {}, () => now) });
    base = await listenOnLoopback(app);
    healthz = `${base}/healthz`;
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  const countOf = async (statement: ReturnType<typeof sql>) =>
    (await withService(database.db, (tx) => queryRows<{ count: number }>(tx, statement)))[0]?.count ?? -1;
  const activeTokens = (userId: number) =>
    countOf(sql`SELECT count(*)::int AS count FROM api_tokens WHERE user_id = ${userId} AND revoked_at IS NULL`);
  const createRest = (user: TestUser, name: string) =>
    app.inject({ method: 'POST', url: '/api/tokens', headers: jsonHeaders(user.auth), payload: JSON.stringify({ name }) });
  const createTrpc = (user: TestUser, name: string) => trpcMutation(app, 'tokens.create', { name }, user.auth);
  /** The flood goes over real sockets, as an attacker's would: each request is then its own event-loop turn. */
  const statuses = new Map<number, number>();
  const floodCall = async (path: string, user: TestUser, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: body === undefined ? user.auth : jsonHeaders(user.auth),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    await response.arrayBuffer();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  };

  it('60 parallel creates (REST and tRPC) leave exactly 50 active tokens, the rest 409; revoking frees one slot', async () => {
    const user = await createTestUser(database, 'tokens'); // holds 1 token already
    const other = await createTestUser(database, 'bystander');
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? createRest(user, `r${i}`) : createTrpc(user, `t${i}`))),
    );
    const created = answers.filter((r) => r.statusCode === 200 || r.statusCode === 201);
    const refused = answers.filter((r) => r.statusCode === 409);
    const refusedAt = answers.flatMap((r, i) => (r.statusCode === 409 ? [i] : []));
    expect(created.length + refused.length, answers.map((r) => r.statusCode).join(',')).toBe(60);
    expect(created).toHaveLength(49);
    expect(await activeTokens(user.id)).toBe(50);
    // Even indexes went over REST, odd ones over tRPC.
    const restAt = refusedAt.find((i) => i % 2 === 0);
    const trpcAt = refusedAt.find((i) => i % 2 === 1);
    expect(restAt !== undefined && trpcAt !== undefined, `both transports refused: ${refusedAt.join(',')}`).toBe(true);
    const body = expectRestError(answers[restAt!]!, 409);
    expect(body.error.code).toBe('CONFLICT');
    expect(body.error.message).toMatch(/50 active API tokens.*revoke one/);
    expect(expectTrpcError(answers[trpcAt!]!, 409).message).toMatch(/50 active API tokens/);

    // Another user's cap is their own.
    expect((await createRest(other, 'mine')).statusCode).toBe(201);
    expect(await activeTokens(other.id)).toBe(2);

    // Revoking one frees exactly one slot.
    const list = (await app.inject({ method: 'GET', url: '/api/tokens', headers: user.auth })).json().data as { id: number }[];
    const last = list.at(-1)!;
    expect((await app.inject({ method: 'DELETE', url: `/api/tokens/${last.id}`, headers: user.auth })).statusCode).toBe(200);
    expect((await createTrpc(user, 'again')).statusCode).toBe(200);
    expectRestError(await createRest(user, 'one too many'), 409);
    expect(await activeTokens(user.id)).toBe(50);

    // The attacker keeps going at the cap: every call refused, no row added, a bystander stays answered.
    const before = await baselineLatency(healthz);
    statuses.clear();
    const cost = await measureAttack(healthz, 300, 20, (i) =>
      floodCall(i % 2 ? '/trpc/tokens.create' : '/api/tokens', user, { name: 'flood' }),
    );
    expect([...statuses]).toEqual([[409, 300]]);
    console.info(`[caps:${backend}] token flood at the cap`, JSON.stringify({ healthzBefore: before, ...cost }));
    // A loose ceiling (the machine is shared): the bystander is answered throughout, not after the flood.
    expect(cost.probe.n).toBeGreaterThan(5);
    expect(cost.probe.p50).toBeLessThan(1_000);
    expect(await countOf(sql`SELECT count(*)::int AS count FROM api_tokens WHERE user_id = ${user.id}`)).toBe(51);
  });

  it('run-now: the 11th manual run in a minute is 429 with Retry-After, another user is not, the next minute is', async () => {
    const user = await createTestUser(database, 'runs');
    const other = await createTestUser(database, 'bystander');
    const runNow = (who: TestUser, service: string) =>
      app.inject({ method: 'POST', url: `/api/schedules/${service}/run`, headers: who.auth });
    // A worker finishing the user's runs: the one-active-run rule (409) is not what this test is about.
    const finishRuns = (userId: number) =>
      withService(database.db, (tx) =>
        tx.execute(
          sql`UPDATE job_runs SET status = 'succeeded', finished_at = now() WHERE user_id = ${userId} AND status = 'queued'`,
        ),
      );
    const manualRuns = (userId: number) =>
      countOf(sql`SELECT count(*)::int AS count FROM job_runs WHERE user_id = ${userId} AND trigger = 'manual'`);

    for (let i = 0; i < 10; i++) {
      now = new Date(START.getTime() + i * 1_000);
      const answer = await runNow(user, SERVICES[i % 3]!);
      expect(answer.statusCode, answer.body).toBe(200);
      await finishRuns(user.id);
    }
    now = new Date(START.getTime() + 10_000);
    const limited = await runNow(user, 'meta');
    const body = expectRestError(limited, 429);
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toMatch(/At most 10 manual runs a minute/);
    // The oldest run of the window (at START) leaves it 60 s after START: 50 s from now.
    expect(limited.headers['retry-after']).toBe('50');
    // tRPC goes through the same count.
    const trpcLimited = expectTrpcError(await trpcMutation(app, 'schedules.run', { service: 'ga4' }, user.auth), 429);
    expect(trpcLimited.appCode).toBe('RATE_LIMITED');
    expect(trpcLimited.details).toMatchObject({ retryAfterSeconds: 50, limit: 10 });
    expect(await manualRuns(user.id)).toBe(10);

    // Another user's budget is their own.
    expect((await runNow(other, 'meta')).statusCode).toBe(200);
    await finishRuns(other.id);

    // Hammering at the cap: every call refused, no run queued, and what it costs the server.
    const before = await baselineLatency(healthz);
    statuses.clear();
    const cost = await measureAttack(healthz, 300, 10, (i) => floodCall(`/api/schedules/${SERVICES[i % 3]}/run`, user));
    expect([...statuses]).toEqual([[429, 300]]);
    console.info(`[caps:${backend}] run-now flood at the cap`, JSON.stringify({ healthzBefore: before, ...cost }));
    expect(await manualRuns(user.id)).toBe(10);
    // A loose ceiling (the machine is shared): the bystander is answered throughout, not after the flood.
    expect(cost.probe.n).toBeGreaterThan(5);
    expect(cost.probe.p50).toBeLessThan(1_000);

    // 59 s after START the first run is still in the window; just past 60 s it has left it.
    now = new Date(START.getTime() + 59_000);
    expect((await runNow(user, 'ga4')).headers['retry-after']).toBe('1');
    now = new Date(START.getTime() + 60_001);
    expect((await runNow(user, 'ga4')).statusCode).toBe(200);
    expect(await manualRuns(user.id)).toBe(11);
  });
});
