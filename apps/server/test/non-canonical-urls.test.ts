import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { RateCounters } from '../src/rate-limit.ts';
import { type RawResponse, rawRequest } from './raw-http.ts';
import { createTestUser, silentLog, testDeps } from './support.ts';

// The router decodes percent-escapes and reduces an absolute-form request line to its path, so
// `/%61pi/...`, `/%74rpc/...` and `GET http://host/api/...` reach the API routes. Authentication and the
// rate limit must see them as the API too. Sent on a raw socket: inject() and fetch() would normalise.

const PER_MINUTE = 5;
const ANONYMOUS = 'ip:127.0.0.1';

describe.each(BACKENDS)('non-canonical spellings of /api and /trpc on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let counters: RateCounters;
  let port: number;
  let webDir: string;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const deps = testDeps(database);
    counters = new RateCounters({ db: database.db, clock: deps.clock, log: silentLog });
    webDir = mkdtempSync(join(tmpdir(), 'kpi-web-'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>kpi</title>');
    app = await buildApp({
      deps,
      log: silentLog,
      bodyLimitBytes: 64 * 1024,
      login: { maxAttempts: 1000, windowSeconds: 900 },
      credentialFailures: { maxFailures: 100_000, windowSeconds: 300 },
      rateLimit: { perMinute: PER_MINUTE, counters },
      readiness: { ping: async () => undefined, schemaReady: () => true, scheduler: () => 'disabled' },
      webDistDir: webDir,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  const absolute = (path: string) => `http://127.0.0.1:${port}${path}`;
  const spellings = (canonical: string, encoded: string[]) => () => [
    canonical,
    ...encoded,
    absolute(canonical),
    ...encoded.map(absolute),
    `HTTP://127.0.0.1:${port}${encoded[0]}`,
  ];
  const rest = spellings('/api/schedules', ['/%61pi/schedules', '/%61%70%69/schedules', '/a%70i/schedules']);
  const trpc = spellings('/trpc/schedules.list', ['/%74rpc/schedules.list', '/%74%72%70%63/schedules.list']);
  const publicDoc = spellings('/api/openapi.json', ['/%61pi/openapi.json', '/%61%70%69/openapi.json']);

  const errorCode = (response: RawResponse) => {
    const body = JSON.parse(response.body) as { error: { code: string | number; data?: { appCode: string } } };
    return body.error.data?.appCode ?? body.error.code;
  };

  it('answers 401 without credentials, whichever way the path is spelled', async () => {
    for (const target of [...rest(), ...trpc()]) {
      counters.reset(ANONYMOUS);
      const response = await rawRequest(port, target);
      expect(response.status, target).toBe(401);
      expect(errorCode(response), target).toBe('UNAUTHENTICATED');
    }
  });

  it('knows the caller and answers 429 past the per-user limit, for every spelling', async () => {
    const user = await createTestUser(database, 'spelling');
    for (const target of [...rest(), ...trpc()]) {
      counters.reset(`user:${user.id}`);
      const statuses: number[] = [];
      for (let i = 0; i <= PER_MINUTE; i++) {
        statuses.push((await rawRequest(port, target, { headers: user.auth })).status);
      }
      expect(statuses, target).toEqual([...Array(PER_MINUTE).fill(200), 429]);
    }
  });

  it('a forged token is refused, not skipped, for every spelling', async () => {
    for (const target of [...rest(), ...trpc()]) {
      const response = await rawRequest(port, target, { headers: { authorization: 'Bearer kpi_forged' } });
      expect(response.status, target).toBe(401);
    }
  });

  it('limits anonymous callers on public paths, however spelled (the open OpenAPI document)', async () => {
    for (const target of publicDoc()) {
      counters.reset(ANONYMOUS);
      const statuses: number[] = [];
      for (let i = 0; i <= PER_MINUTE; i++) statuses.push((await rawRequest(port, target)).status);
      expect(statuses, target).toEqual([...Array(PER_MINUTE).fill(200), 429]);
      const limited = await rawRequest(port, target);
      expect(Number(limited.headers['retry-after']), target).toBeGreaterThanOrEqual(1);
    }
  });

  it('an unknown API path gets the JSON 404, not the web page, however spelled', async () => {
    for (const target of ['/api/nope', '/%61pi/nope', absolute('/%61pi/nope'), '/%74rpc', '/%74%72%70%63']) {
      counters.reset(ANONYMOUS);
      const response = await rawRequest(port, target);
      expect(response.status, target).toBe(404);
      expect(response.headers['content-type'], target).toMatch(/^application\/json/);
      expect(JSON.parse(response.body).error.code, target).toBe('NOT_FOUND');
    }
    const page = await rawRequest(port, '/schedules/meta');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>kpi</title>');
  });
});
