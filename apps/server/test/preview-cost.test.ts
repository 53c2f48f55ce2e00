import type { AddressInfo } from 'node:net';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { RateCounters } from '../src/rate-limit.ts';
import { expectRestError, expectTrpcError, jsonHeaders, trpcMutation } from './http.ts';
import { buildTestApp, createTestUser, silentLog, testDeps } from './support.ts';

// The public preview validates and lists fires on the event loop. An attacker picks the expressions
// croner finds hardest; what that costs the server is measured from outside: the latency of /healthz
// while the attack runs, and the CPU time per preview.

// [cron, zone, count, status]: the costliest found (validate-cron and work-bound tests), one call each.
const COSTLIEST: [string, string, number, number][] = [
  // Searched to the year 3000 before the look-ahead: about 0.5 s per call.
  ['0 0 1-7 * +1#5', 'Europe/London', 5, 400],
  // Friday the 13th: 300 fires were 175 years of calendar.
  ['0 0 13 * +5', 'UTC', 50, 200],
  // 300 fires listed in a named zone, several Intl calls each.
  ['* * * * *', 'Europe/London', 50, 200],
  ['59 23 15W * +1#5', 'Pacific/Apia', 50, 400],
];
const ATTACK_CALLS = 80;
const ATTACKERS = 4;

const previewPath = ([cron, timezone, count]: (typeof COSTLIEST)[number]) =>
  `/api/schedules/preview?${new URLSearchParams({ cron, timezone, count: String(count) })}`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

describe.each(BACKENDS)('previews of the costliest expressions on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  it('leave /healthz answering promptly and cost a few ms of CPU each', async () => {
    const statuses = new Map<string, number[]>();
    let attacking = true;
    const latencies: number[] = [];
    const probe = (async () => {
      while (attacking) {
        const started = performance.now();
        await (await fetch(`${base}/healthz`)).text();
        latencies.push(performance.now() - started);
      }
    })();
    const cpuBefore = process.cpuUsage();
    await Promise.all(
      Array.from({ length: ATTACKERS }, async (_, attacker) => {
        for (let i = attacker; i < ATTACK_CALLS; i += ATTACKERS) {
          const entry = COSTLIEST[i % COSTLIEST.length] as (typeof COSTLIEST)[number];
          const response = await fetch(`${base}${previewPath(entry)}`);
          await response.text();
          statuses.set(entry[0], [...(statuses.get(entry[0]) ?? []), response.status]);
        }
      }),
    );
    const cpu = process.cpuUsage(cpuBefore);
    attacking = false;
    await probe;
    // The whole process: server, the attackers' and the probe's own HTTP clients.
    const cpuMsPerCall = (cpu.user + cpu.system) / 1000 / ATTACK_CALLS;
    const figures = {
      cpuMsPerCall,
      healthzP50: percentile(latencies, 50),
      healthzP90: percentile(latencies, 90),
      probes: latencies.length,
    };
    if (process.env.KPI_PRINT_FIGURES) process.stdout.write(`preview attack on ${backend}: ${JSON.stringify(figures)}\n`);
    for (const [cron, , , status] of COSTLIEST) expect(new Set(statuses.get(cron)), cron).toEqual(new Set([status]));
    // Before the look-ahead, on the same machine: 100-108 ms of CPU a call, /healthz p50 1.5 s, p90 2.0-2.3 s.
    // After: 8-16 ms and p50 0.1-0.17 s, p90 0.13-0.29 s, the two cores loaded about eightfold (load 17).
    expect(cpuMsPerCall).toBeLessThan(30);
    expect(figures.healthzP90).toBeLessThan(500);
  });

  it('answers the too-irregular pattern with a 400 that says so', async () => {
    const response = await app.inject({ method: 'GET', url: previewPath(COSTLIEST[0] as (typeof COSTLIEST)[number]) });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: {
        code: 'INVALID_CRON',
        message: expect.stringContaining('too irregular'),
        details: { reason: 'CRON_TOO_IRREGULAR' },
      },
    });
  });

  it('saving the too-irregular pattern is refused the same way, over REST and tRPC, within the bound', async () => {
    const user = await createTestUser(database, 'irregular');
    const started = process.cpuUsage();
    const rest = await app.inject({
      method: 'PUT',
      url: '/api/schedules/meta',
      headers: jsonHeaders(user.auth),
      payload: JSON.stringify({ cron: '0 0 1-7 * +1#5', timezone: 'Europe/London', enabled: true }),
    });
    const trpc = await trpcMutation(
      app,
      'schedules.update',
      { service: 'ga4', cron: '0 0 8-31 * +1#1', timezone: 'UTC' },
      user.auth,
    );
    const used = process.cpuUsage(started);
    expect(expectRestError(rest, 400).error.details).toMatchObject({ field: 'cron', reason: 'CRON_TOO_IRREGULAR' });
    expect(expectTrpcError(trpc, 400).details).toMatchObject({ reason: 'CRON_TOO_IRREGULAR' });
    // Each of these searched to the year 3000 before: 0.2-0.5 s of CPU.
    expect((used.user + used.system) / 1000).toBeLessThan(100);
  });
});

describe.each(BACKENDS)('the API rate limit counts every call of a tRPC batch on %s', (backend) => {
  const PER_MINUTE = 20;
  let database: TestDatabase;
  let app: FastifyInstance;
  let counters: RateCounters;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const deps = testDeps(database);
    counters = new RateCounters({ db: database.db, clock: deps.clock, log: silentLog });
    app = await buildApp({
      deps,
      log: silentLog,
      bodyLimitBytes: 64 * 1024,
      login: { maxAttempts: 1000, windowSeconds: 900 },
      rateLimit: { perMinute: PER_MINUTE, counters },
      readiness: { ping: async () => undefined, schemaReady: () => true, scheduler: () => 'disabled' },
    });
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  const batch = (size: number, prefix = '/trpc/') => {
    const input = Object.fromEntries(Array.from({ length: size }, (_, i) => [i, { cron: '0 0 13 * +5', timezone: 'UTC' }]));
    const paths = Array.from({ length: size }, () => 'schedules.preview').join(',');
    return app.inject({ method: 'GET', url: `${prefix}${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}` });
  };
  const single = () => app.inject({ method: 'GET', url: '/trpc/schedules.limits' });

  it('a batch of 20 previews uses 20 of the 20 calls a minute: the next call is refused', async () => {
    counters.reset('ip:127.0.0.1');
    const answer = await batch(20);
    expect(answer.statusCode).toBe(200);
    expect((answer.json() as unknown[]).length).toBe(20);
    expect(expectTrpcError(await single(), 429).appCode).toBe('RATE_LIMITED');
  });

  it('counts the calls of a batch however the commas are spelled, and refuses a batch past the limit whole', async () => {
    counters.reset('ip:127.0.0.1');
    expect((await batch(15)).statusCode).toBe(200);
    const over = await batch(6);
    expect(expectTrpcError(over, 429).appCode).toBe('RATE_LIMITED');
    counters.reset('ip:127.0.0.1');
    const encoded = await app.inject({
      method: 'GET',
      url: `/trpc/${Array.from({ length: 20 }, () => 'schedules.limits').join('%2C')}?batch=1`,
    });
    expect(encoded.statusCode).toBe(200);
    expect(expectTrpcError(await single(), 429).appCode).toBe('RATE_LIMITED');
  });

  it('a single call still counts one', async () => {
    counters.reset('ip:127.0.0.1');
    for (let i = 0; i < PER_MINUTE; i++) expect((await single()).statusCode).toBe(200);
    expect(expectTrpcError(await single(), 429).appCode).toBe('RATE_LIMITED');
  });
});
