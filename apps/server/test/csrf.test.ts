import { queryRows, sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRestError, jsonHeaders } from './http.ts';
import { buildTestApp, createTestUser, type TestUser } from './support.ts';

// What auth.test.ts does not already cover: the exact requests a hostile page can make a browser send
// with the victim's cookie (an HTML form, which is urlencoded or text/plain, from a foreign origin), on
// the tRPC mutations and the token routes as well as the schedule routes.

const EVIL = { host: 'kpi.example', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };

describe.each(BACKENDS)('CSRF from the attacker’s page on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let victim: TestUser;
  let cookie: string;

  const counts = async () =>
    (
      await queryRows<{ runs: number; tokens: number; schedules: string }>(
        database.db,
        sql`SELECT (SELECT count(*)::int FROM job_runs WHERE user_id = ${victim.id}) AS runs,
                   (SELECT count(*)::int FROM api_tokens WHERE user_id = ${victim.id} AND revoked_at IS NULL) AS tokens,
                   (SELECT coalesce(string_agg(service || enabled::text || cron_expression, ',' ORDER BY service), '') FROM job_schedules WHERE user_id = ${victim.id}) AS schedules`,
      )
    )[0];

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database);
    victim = await createTestUser(database, 'victim');
    const signIn = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: jsonHeaders(),
      payload: JSON.stringify({ email: victim.email, password: 'password-123' }),
    });
    cookie = `kpi_session=${/kpi_session=([^;]+)/.exec(String(signIn.headers['set-cookie']))?.[1]}`;
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  it('a cross-origin HTML form POST (urlencoded or text/plain) with the session cookie is refused everywhere', async () => {
    const before = await counts();
    const [tokenId] = (
      (await app.inject({ method: 'GET', url: '/api/tokens', headers: { cookie } })).json().data as Array<{ id: number }>
    ).map((t) => t.id);
    const forms: Array<{ method: 'POST' | 'PUT' | 'DELETE'; url: string; type: string; payload: string }> = [
      { method: 'POST', url: '/api/schedules/meta/run', type: 'application/x-www-form-urlencoded', payload: 'x=1' },
      { method: 'POST', url: '/api/tokens', type: 'application/x-www-form-urlencoded', payload: 'name=evil' },
      { method: 'POST', url: '/api/tokens', type: 'text/plain', payload: '{"name":"evil"}' },
      { method: 'POST', url: '/trpc/schedules.run', type: 'text/plain', payload: '{"service":"meta"}' },
      { method: 'POST', url: '/trpc/tokens.create', type: 'text/plain', payload: '{"name":"evil"}' },
      { method: 'POST', url: '/trpc/tokens.revoke', type: 'text/plain', payload: `{"id":${tokenId}}` },
      { method: 'POST', url: '/trpc/schedules.update', type: 'multipart/form-data; boundary=x', payload: '--x--' },
      { method: 'POST', url: '/api/auth/logout', type: 'application/x-www-form-urlencoded', payload: '' },
    ];
    for (const form of forms) {
      const response = await app.inject({
        method: form.method,
        url: form.url,
        headers: { cookie, ...EVIL, 'content-type': form.type },
        payload: form.payload,
      });
      expect([403, 415], `${form.url} ${form.type}: ${response.statusCode}`).toContain(response.statusCode);
      expectRestError(response, response.statusCode);
    }
    expect(await counts()).toEqual(before);
    // The session survived the forged logout.
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
  });

  it('a text/plain POST with the cookie and no Origin header at all (older browsers) is refused on tRPC too', async () => {
    const before = await counts();
    for (const [url, payload] of [
      ['/trpc/schedules.run', '{"service":"ga4"}'],
      ['/trpc/schedules.update', '{"service":"ga4","enabled":true}'],
      ['/trpc/tokens.create', '{"name":"evil"}'],
    ] as const) {
      const response = await app.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'text/plain' }, payload });
      expect(expectRestError(response, 415).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(await counts()).toEqual(before);
  });
});
