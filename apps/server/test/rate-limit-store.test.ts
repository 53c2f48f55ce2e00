import { type Database, openPostgres, queryRows, sql } from '@kpi/db';
import { openTestDatabase, POSTGRES_ENABLED, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { RateCounters, storeKey } from '../src/rate-limit.ts';
import { expectRestError, jsonHeaders } from './http.ts';
import { createTestUser, silentLog, testDeps } from './support.ts';

// Hostile keys against the shared counters, from the attacker's side: one anonymous request must not
// stop an instance from sharing its counts, and a failing entry must not fill the log every interval.
// Tests call counters.sync() for each interval instead of waiting for the timer.

type Line = { level: number; event?: string };
function capturingLog() {
  const lines: Line[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Line) });
  return { log, lines, complaints: () => lines.filter((line) => line.level >= 40) };
}

// Frozen one second into the next minute: no test straddles a window, and the sync's pruning (rows whose
// window ended by the database's own now()) leaves this minute's rows alone for the whole file.
const now = Date.now();
const clock = () => new Date(now - (now % 60_000) + 61_000);

type Instance = { app: FastifyInstance; counters: RateCounters };
async function startInstance(database: Database, log: pino.Logger): Promise<Instance> {
  const counters = new RateCounters({ db: database.db, clock, log, syncMs: 3_600_000 });
  const app = await buildApp({
    deps: testDeps(database, {}, clock),
    log,
    bodyLimitBytes: 64 * 1024,
    login: { maxAttempts: 10, windowSeconds: 900 },
    rateLimit: { perMinute: 3, counters },
    readiness: { ping: async () => undefined, schemaReady: () => true, scheduler: () => 'disabled' },
  });
  return { app, counters };
}

describe.runIf(POSTGRES_ENABLED)('the shared counters against hostile keys (two instances, one PostgreSQL)', () => {
  let database: TestDatabase;
  let second: Database;
  let one: Instance;
  let two: Instance;
  const oneLog = capturingLog();

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    second = openPostgres({ url: database.url as string, poolSize: 2 });
    one = await startInstance(database, oneLog.log);
    two = await startInstance(second, silentLog);
  });
  afterAll(async () => {
    await one?.app.close();
    await two?.app.close();
    await second?.close();
    await database?.dispose();
  });

  it("an e-mail of 254 'İ' (520 characters once lower-cased): 401, one with a NUL: 400, and the store keeps syncing", async () => {
    for (const [email, status] of [
      ['İ'.repeat(254), 401],
      ['nul\u0000byte@example.test', 400],
    ] as const) {
      const response = await one.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '203.0.113.40',
        headers: jsonHeaders(),
        payload: JSON.stringify({ email, password: 'whatever-123' }),
      });
      expectRestError(response, status);
    }
    // Instance one uses up a user's API minute; ten sync intervals later instance two knows.
    const user = await createTestUser(database, 'counted');
    const schedules = (instance: Instance) => instance.app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth });
    for (let i = 0; i < 3; i++) expect((await schedules(one)).statusCode).toBe(200);
    expect((await schedules(two)).statusCode).toBe(200);
    for (let i = 0; i < 10; i++) await one.counters.sync();
    await two.counters.sync();
    expect(expectRestError(await schedules(two), 429).error.code).toBe('RATE_LIMITED');
    // Not one warning in ten intervals, and every stored key is short, hashed, and names no e-mail.
    expect(oneLog.complaints()).toEqual([]);
    const keys = await queryRows<{ key: string }>(database.db, sql`SELECT key FROM rate_limits`);
    expect(keys.length).toBeGreaterThan(0);
    for (const { key } of keys) expect(key).toMatch(/^(?:[a-z-]+:){1,4}[0-9a-f]{64}$/);
  });

  it('an entry the table refuses is dropped and logged once; the other keys keep syncing', async () => {
    const { log, lines } = capturingLog();
    const counters = new RateCounters({ db: database.db, clock, log, syncMs: 3_600_000 });
    // A weight past integer range: the batched upsert refuses it (SQLSTATE 22003), as it did a 520-character key.
    counters.hit('user:poison', 10, 60_000, 2 ** 31);
    counters.hit('user:healthy', 10, 60_000);
    const hitsOf = async (key: string) =>
      (await queryRows<{ hits: number }>(database.db, sql`SELECT hits FROM rate_limits WHERE key = ${storeKey(key)}`))[0]?.hits;
    for (let i = 0; i < 5; i++) {
      await counters.sync();
      counters.hit('user:healthy', 10, 60_000);
    }
    await counters.sync();
    expect(await hitsOf('user:healthy')).toBe(6);
    expect(await hitsOf('user:poison')).toBeUndefined();
    expect(lines.filter((line) => line.event === 'rate-limit-key-dropped')).toHaveLength(1);
    expect(lines.filter((line) => line.level >= 40)).toHaveLength(1);
  });

  it('the database away: one warning for the outage, not one per interval', async () => {
    const { log, lines } = capturingLog();
    // Nothing listens on port 1 of loopback: every sync fails to connect.
    const away = openPostgres({ url: 'postgres://root@127.0.0.1:1/postgres', poolSize: 1 });
    try {
      const counters = new RateCounters({ db: away.db, clock, log, syncMs: 3_600_000 });
      counters.hit('user:1', 10, 60_000);
      for (let i = 0; i < 5; i++) await counters.sync();
      expect(lines.filter((line) => line.event === 'rate-limit-sync-failed')).toHaveLength(1);
      // Counting goes on locally meanwhile.
      expect(counters.hit('user:1', 1, 60_000).limited).toBe(true);
    } finally {
      await away.close();
    }
  });
});
