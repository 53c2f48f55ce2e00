import { createApiToken } from '@kpi/api';
import { queryRows, sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVALID_BODIES, INVALID_CRONS, INVALID_TIMEZONES, UNKNOWN_SERVICES } from './bad-input-corpus.ts';
import { expectRestError, expectTrpcError, jsonHeaders } from './http.ts';
import { buildTestApp, createTestUser, type TestUser } from './support.ts';

const BODY_LIMIT = 64 * 1024;

// Every request a caller without a valid credential might make; each must be a 401.
const PROTECTED: Array<{ method: 'GET' | 'PUT' | 'POST'; url: string; body?: unknown; trpc?: boolean }> = [
  { method: 'GET', url: '/api/schedules' },
  { method: 'PUT', url: '/api/schedules/meta', body: { cron: '0 3 * * *' } },
  { method: 'POST', url: '/api/schedules/meta/run' },
  { method: 'GET', url: '/api/tokens' },
  { method: 'POST', url: '/api/tokens', body: { name: 'x' } },
  { method: 'GET', url: '/api/auth/me' },
  { method: 'GET', url: '/trpc/schedules.list', trpc: true },
  { method: 'POST', url: '/trpc/schedules.update', body: { service: 'meta', cron: '0 3 * * *' }, trpc: true },
  { method: 'POST', url: '/trpc/schedules.run', body: { service: 'meta' }, trpc: true },
  { method: 'GET', url: '/trpc/tokens.list', trpc: true },
];

const CREDENTIALS = [
  'no credential',
  'a forged well-formed bearer token',
  'a valid token with one character changed',
  'a valid token with a suffix',
  'Bearer with no token',
  'a short bearer token',
  'a Basic credential',
  'a revoked token',
  'a garbage session cookie',
  'a well-formed unknown session cookie',
  'an expired session cookie',
] as const;

describe.each(BACKENDS)('bad input over REST on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let user: TestUser;
  let before: unknown;
  const headersFor = new Map<(typeof CREDENTIALS)[number], Record<string, string>>();

  const put = (service: string, payload: string, contentType = 'application/json') =>
    app.inject({
      method: 'PUT',
      url: `/api/schedules/${service}`,
      headers: { ...user.auth, 'content-type': contentType },
      payload,
    });

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database, { bodyLimitBytes: BODY_LIMIT });
    user = await createTestUser(database);
    before = (await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth })).json();

    const revoked = await createApiToken({ db: database.db }, user.id, { name: 'to revoke' });
    const revoke = await app.inject({ method: 'DELETE', url: `/api/tokens/${revoked.apiToken.id}`, headers: user.auth });
    expect(revoke.statusCode).toBe(200);
    const flipped = `${user.token.slice(0, -1)}${user.token.endsWith('A') ? 'B' : 'A'}`;
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: jsonHeaders(),
      payload: JSON.stringify({ email: user.email, password: 'password-123' }),
    });
    const session = /kpi_session=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1];
    expect(session).toBeDefined();
    await database.db.execute(sql`UPDATE sessions SET expires_at = now() - interval '1 hour' WHERE user_id = ${user.id}`);

    headersFor.set('no credential', {});
    headersFor.set('a forged well-formed bearer token', { authorization: `Bearer kpi_${'A'.repeat(43)}` });
    headersFor.set('a valid token with one character changed', { authorization: `Bearer ${flipped}` });
    headersFor.set('a valid token with a suffix', { authorization: `Bearer ${user.token}x` });
    headersFor.set('Bearer with no token', { authorization: 'Bearer' });
    headersFor.set('a short bearer token', { authorization: 'Bearer kpi_short' });
    headersFor.set('a Basic credential', { authorization: 'Basic dXNlcjpwYXNzd29yZA==' });
    headersFor.set('a revoked token', { authorization: `Bearer ${revoked.token}` });
    headersFor.set('a garbage session cookie', { cookie: 'kpi_session=garbage' });
    headersFor.set('a well-formed unknown session cookie', { cookie: `kpi_session=s_${'A'.repeat(43)}` });
    headersFor.set('an expired session cookie', { cookie: `kpi_session=${session}` });
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  it('the corpus holds at least 50 invalid crons and 50 more time zones and bodies', () => {
    expect(INVALID_CRONS.length).toBeGreaterThanOrEqual(50);
    expect(INVALID_TIMEZONES.length + INVALID_BODIES.length).toBeGreaterThanOrEqual(50);
  });

  it.each(INVALID_CRONS)('cron: %s is a 400 INVALID_CRON', async (_label, cron) => {
    const body = expectRestError(await put('meta', JSON.stringify({ cron, enabled: true })), 400);
    expect(body.error.code).toBe('INVALID_CRON');
  });

  it.each(INVALID_TIMEZONES)('timezone: %s is a 400 INVALID_TIMEZONE', async (_label, timezone) => {
    const body = expectRestError(await put('meta', JSON.stringify({ cron: '0 2 * * *', timezone })), 400);
    expect(body.error.code).toBe('INVALID_TIMEZONE');
  });

  it.each(INVALID_BODIES)('body: $label is refused with a 4xx', async ({ value, raw, contentType }) => {
    const response = await put('meta', raw ?? JSON.stringify(value), contentType);
    const body = expectRestError(response);
    expect([400, 415]).toContain(response.statusCode);
    expect(['VALIDATION_ERROR', 'INVALID_CRON', 'INVALID_TIMEZONE', 'UNSUPPORTED_MEDIA_TYPE']).toContain(body.error.code);
  });

  it.each(UNKNOWN_SERVICES)('unknown service %j is a 400 on PUT and on run', async (service) => {
    expectRestError(await put(service, JSON.stringify({ cron: '0 2 * * *' })), 400);
    expectRestError(await app.inject({ method: 'POST', url: `/api/schedules/${service}/run`, headers: user.auth }), 400);
  });

  it('a body over the limit is a 413, on the REST paths, login and tRPC; one just under it is not', async () => {
    const oversized = JSON.stringify({ cron: '0 2 * * *', pad: 'x'.repeat(BODY_LIMIT) });
    expect(expectRestError(await put('meta', oversized), 413).error.code).toBe('PAYLOAD_TOO_LARGE');
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', headers: jsonHeaders(), payload: oversized });
    expectRestError(login, 413);
    const trpc = await app.inject({
      method: 'POST',
      url: '/trpc/schedules.update',
      headers: jsonHeaders(user.auth),
      payload: oversized,
    });
    expect(expectTrpcError(trpc, 413).appCode).toBe('PAYLOAD_TOO_LARGE');
    // Just under the limit the body is read, and refused for what it says (unknown field), not its size.
    const under = JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT - 100) });
    expect(expectRestError(await put('meta', under), 400).error.code).toBe('VALIDATION_ERROR');
  });

  it.each(CREDENTIALS)('%s is a 401 on every protected route and procedure', async (credential) => {
    const headers = headersFor.get(credential) ?? {};
    for (const route of PROTECTED) {
      const response = await app.inject({
        method: route.method,
        url: route.url,
        headers: route.body === undefined ? headers : jsonHeaders(headers),
        ...(route.body === undefined ? {} : { payload: JSON.stringify(route.body) }),
      });
      const error = route.trpc ? expectTrpcError(response, 401) : expectRestError(response, 401).error;
      expect('appCode' in error ? error.appCode : error.code, `${route.method} ${route.url}`).toBe('UNAUTHENTICATED');
    }
  });

  it('after the whole corpus the schedules are unchanged and no run was queued', async () => {
    const after = (await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth })).json();
    expect(after).toEqual(before);
    const [runs] = await queryRows<{ count: number }>(database.db, sql`SELECT count(*)::int AS count FROM job_runs`);
    expect(runs?.count).toBe(0);
    // The valid token still works: nothing above locked the account.
    expect((await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth })).statusCode).toBe(200);
  });
});
