import { type Database, openPostgres, queryRows, sql } from '@kpi/db';
import { openTestDatabase, POSTGRES_ENABLED, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyPassword } from '../../../packages/api/src/auth/password.ts';
import { buildApp } from '../src/app.ts';
import { RateCounters } from '../src/rate-limit.ts';
import { expectRestError, jsonHeaders } from './http.ts';
import { createTestUser, silentLog, type TestUser, testDeps } from './support.ts';

// Sign-in guessing from the attacker's side, on PostgreSQL with one and with two app instances: every
// password check is counted (a spy on verifyPassword, the scrypt step), and what an attack costs the
// server is measured (CPU time of this process, /healthz latency while it runs).

vi.mock('../../../packages/api/src/auth/password.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../packages/api/src/auth/password.ts')>();
  return { ...real, verifyPassword: vi.fn(real.verifyPassword) };
});
const hashes = () => vi.mocked(verifyPassword).mock.calls.length;

const LIMIT = 10;
const WINDOW_SECONDS = 900;
// One second into a window, frozen: no test's attempts straddle a window boundary.
const now = Date.now();
const windowStart = now - (now % (WINDOW_SECONDS * 1000)) + 1000;
const clock = () => new Date(windowStart);

async function startInstance(database: Database): Promise<FastifyInstance> {
  const deps = testDeps(database, {}, clock);
  return buildApp({
    deps,
    log: silentLog,
    bodyLimitBytes: 64 * 1024,
    login: { maxAttempts: LIMIT, windowSeconds: WINDOW_SECONDS },
    rateLimit: { perMinute: 0, counters: new RateCounters({ db: database.db, clock, log: silentLog, syncMs: 3_600_000 }) },
    readiness: {
      ping: async () => {
        await database.db.execute(sql`SELECT 1`);
      },
      schemaReady: () => true,
      scheduler: () => 'disabled',
    },
  });
}

const login = (app: FastifyInstance, email: string, password: string, remoteAddress: string) =>
  app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress,
    headers: jsonHeaders(),
    payload: JSON.stringify({ email, password }),
  });

/** Runs `attack` while probing /healthz back to back; the probes' latencies and the process CPU time spent. */
async function measured<T>(app: FastifyInstance, attack: () => Promise<T>) {
  const latencies: number[] = [];
  let done = false;
  const probing = (async () => {
    while (!done) {
      const started = performance.now();
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      latencies.push(performance.now() - started);
      // /healthz does no I/O: without a turn of the event loop between probes, the attack's would never run.
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const cpu = process.cpuUsage();
  const wallStarted = performance.now();
  const result = await attack().finally(() => {
    done = true;
  });
  const wallMs = performance.now() - wallStarted;
  const used = process.cpuUsage(cpu);
  await probing;
  latencies.sort((a, b) => a - b);
  const figures = {
    wallMs: Math.round(wallMs),
    cpuMs: Math.round((used.user + used.system) / 1000),
    healthzP50Ms: Math.round(latencies[Math.floor(latencies.length / 2)] ?? 0),
    healthzMaxMs: Math.round(latencies.at(-1) ?? 0),
  };
  console.info('attack figures', JSON.stringify(figures));
  return { result, figures };
}

const statuses = (responses: LightMyRequestResponse[]) => responses.map((response) => response.statusCode);

describe.runIf(POSTGRES_ENABLED)('sign-in guessing against PostgreSQL', () => {
  let database: TestDatabase;
  let second: Database;
  let one: FastifyInstance;
  let two: FastifyInstance;

  const sessionsOf = async (user: TestUser) =>
    (
      await queryRows<{ count: number }>(database.db, sql`SELECT count(*)::int AS count FROM sessions WHERE user_id = ${user.id}`)
    )[0]?.count;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    second = openPostgres({ url: database.url as string, poolSize: 10 });
    one = await startInstance(database);
    two = await startInstance(second);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await second?.close();
    await database?.dispose();
  });

  /** 200 parallel guesses from one address, the right password at position 150, over `targets` in turn. */
  async function parallelGuesses(targets: FastifyInstance[], victim: TestUser, ip: string) {
    const before = hashes();
    const { result, figures } = await measured(one, () =>
      Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          login(targets[i % targets.length] as FastifyInstance, victim.email, i === 150 ? 'password-123' : `guess-${i}`, ip),
        ),
      ),
    );
    return { responses: result, evaluated: hashes() - before, figures };
  }

  it('200 parallel guesses on one instance: at most the limit is hashed, the right one at 150 gets no session', async () => {
    const victim = await createTestUser(database, 'victim');
    const { responses, evaluated } = await parallelGuesses([one], victim, '203.0.113.10');
    expect(evaluated).toBeLessThanOrEqual(LIMIT);
    expect(statuses(responses)).not.toContain(200);
    expect(statuses(responses).filter((status) => status === 429)).toHaveLength(200 - evaluated);
    expect(await sessionsOf(victim)).toBe(0);
  });

  it('the same spread over two instances on one database: at most the limit is hashed in total', async () => {
    const victim = await createTestUser(database, 'victim');
    const { responses, evaluated } = await parallelGuesses([one, two], victim, '203.0.113.11');
    expect(evaluated).toBeLessThanOrEqual(LIMIT);
    expect(statuses(responses)).not.toContain(200);
    expect(await sessionsOf(victim)).toBe(0);
    for (const status of statuses(responses)) expect([401, 429]).toContain(status);
  });

  it('spraying from one address with sign-ins to its own account in between is still blocked at the limit', async () => {
    const own = await createTestUser(database, 'attacker');
    const ip = '203.0.113.12';
    const answers: number[] = [];
    for (let i = 0; i < LIMIT; i++) {
      answers.push((await login(one, `target-${i}-${Date.now()}@example.test`, 'Summer2026!', ip)).statusCode);
      // In between, not after the last: at the limit the address is blocked for every account.
      if (i < LIMIT - 1) expect((await login(i % 2 ? one : two, own.email, 'password-123', ip)).statusCode).toBe(200);
    }
    expect(answers).toEqual(Array(LIMIT).fill(401));
    const blocked = await login(two, `target-next-${Date.now()}@example.test`, 'Summer2026!', ip);
    expect(expectRestError(blocked, 429).error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(WINDOW_SECONDS);
    // Its own account does not reopen the address either.
    expectRestError(await login(one, own.email, 'password-123', ip), 429);
  });

  it("a stranger's failures for an e-mail do not lock its owner out; the stranger stays blocked", async () => {
    const victim = await createTestUser(database, 'victim');
    const attacker = '203.0.113.13';
    const answers: number[] = [];
    for (let i = 0; i < LIMIT + 3; i++)
      answers.push((await login(i % 2 ? one : two, victim.email, `guess-${i}`, attacker)).statusCode);
    expect(answers).toEqual([...Array(LIMIT).fill(401), ...Array(3).fill(429)]);
    // The owner, from their own address, on either instance, as often as they like.
    for (const app of [one, two, one])
      expect((await login(app, victim.email, 'password-123', '198.51.100.20')).statusCode).toBe(200);
    // The attacker, even with the right password now, stays blocked until the window ends.
    expectRestError(await login(one, victim.email, 'password-123', attacker), 429);
    expectRestError(await login(two, victim.email, 'password-123', attacker), 429);
    // A fresh address of the attacker's gets one guess at the locked e-mail, then it is blocked too.
    const other = '203.0.113.14';
    expectRestError(await login(one, victim.email, 'guess-a', other), 401);
    expectRestError(await login(two, victim.email, 'guess-b', other), 429);
  });
});
