import { createApiToken, createUser } from '@kpi/api';
import { queryRows, sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { expectRestError, expectTrpcError, jsonHeaders } from './http.ts';
import { buildTestApp, createTestUser, silentLog, type TestUser, testDeps } from './support.ts';

const SAME_ORIGIN = { host: 'kpi.example', origin: 'http://kpi.example' };

describe.each(BACKENDS)('sign-in, sessions and CSRF on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let user: TestUser;

  const login = (email: string, password: string, target = app, remoteAddress = '127.0.0.1') =>
    target.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress,
      headers: jsonHeaders(),
      payload: JSON.stringify({ email, password }),
    });
  const cookieOf = (response: Awaited<ReturnType<typeof login>>) => {
    const value = /kpi_session=([^;]*)/.exec(String(response.headers['set-cookie']))?.[1];
    expect(value, 'session cookie').toBeTruthy();
    return value as string;
  };
  const runCount = async (userId: number) =>
    (
      await queryRows<{ count: number }>(database.db, sql`SELECT count(*)::int AS count FROM job_runs WHERE user_id = ${userId}`)
    )[0]?.count;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database);
    user = await createTestUser(database);
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  it('login sets an httpOnly, SameSite=Lax session cookie (not Secure over plain HTTP) that signs requests in', async () => {
    const response = await login(user.email, 'password-123');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ success: true, data: { user: { id: user.id, email: user.email, role: 'user' } } });
    const header = String(response.headers['set-cookie']);
    expect(header).toMatch(/^kpi_session=s_[A-Za-z0-9_-]{43};/);
    expect(header).toMatch(/;\s*HttpOnly/i);
    expect(header).toMatch(/;\s*SameSite=Lax/i);
    expect(header).toMatch(/;\s*Path=\//);
    expect(header).toMatch(/;\s*Expires=/);
    expect(header).not.toMatch(/;\s*Secure/i);
    const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: `kpi_session=${cookieOf(response)}` } });
    expect(me.json().data.user.id).toBe(user.id);
    // E-mail addresses are matched without regard to case.
    expect((await login(user.email.toUpperCase(), 'password-123')).statusCode).toBe(200);
  });

  it('the cookie is Secure when the request came over TLS through a trusted proxy', async () => {
    const behindProxy = await buildApp({
      deps: testDeps(database),
      log: silentLog,
      bodyLimitBytes: 64 * 1024,
      login: { maxAttempts: 100, windowSeconds: 900 },
      trustProxy: 1,
      readiness: { ping: async () => {}, schemaReady: () => true, scheduler: () => 'disabled' },
    });
    try {
      const response = await behindProxy.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: jsonHeaders({ 'x-forwarded-proto': 'https' }),
        payload: JSON.stringify({ email: user.email, password: 'password-123' }),
      });
      expect(String(response.headers['set-cookie'])).toMatch(/;\s*Secure/i);
    } finally {
      await behindProxy.close();
    }
  });

  it('a wrong password and an unknown e-mail are both 401 with the same body, and set no cookie', async () => {
    const wrong = await login(user.email, 'not-the-password');
    const unknown = await login(`nobody-${Date.now()}@example.test`, 'password-123');
    expect(expectRestError(wrong, 401)).toEqual(expectRestError(unknown, 401));
    expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(unknown.headers['set-cookie']).toBeUndefined();
  });

  it('logout ends the session on the server: the old cookie is a 401 afterwards', async () => {
    const raw = cookieOf(await login(user.email, 'password-123'));
    const cookie = `kpi_session=${raw}`;
    const stored = async () =>
      (
        await queryRows<{ count: number }>(
          database.db,
          sql`SELECT count(*)::int AS count FROM sessions WHERE token_hash = encode(sha256(convert_to(${raw}, 'UTF8')), 'hex')`,
        )
      )[0]?.count;
    expect(await stored()).toBe(1);
    expect((await app.inject({ method: 'GET', url: '/api/schedules', headers: { cookie } })).statusCode).toBe(200);
    const logout = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
    expect(logout.statusCode).toBe(200);
    expect(String(logout.headers['set-cookie'])).toMatch(/kpi_session=;/);
    expect(await stored()).toBe(0);
    // Replaying the cookie a browser was told to forget must not work.
    expectRestError(await app.inject({ method: 'GET', url: '/api/schedules', headers: { cookie } }), 401);
    expectTrpcError(await app.inject({ method: 'GET', url: '/trpc/schedules.list', headers: { cookie } }), 401);
  });

  it('login is rate-limited: after the limit a 429 with Retry-After, even for the right password', async () => {
    // Its own address and account: the counts live in the database, shared with the other tests' sign-ins.
    const ip = '192.0.2.31';
    const target = await createTestUser(database, 'limited');
    const limited = await buildTestApp(database, { loginMaxAttempts: 3 });
    try {
      for (let i = 0; i < 3; i++) expectRestError(await login(target.email, `wrong-${i}`, limited, ip), 401);
      const blocked = await login(target.email, 'password-123', limited, ip);
      expect(expectRestError(blocked, 429).error.code).toBe('RATE_LIMITED');
      const retryAfter = Number(blocked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(900);
      // The same client trying another account is held back too (the limit is per address as well).
      expectRestError(await login(`other-${Date.now()}@example.test`, 'whatever-1', limited, ip), 429);
      // The owner, from an address that has not failed for this e-mail, is not locked out.
      expect((await login(target.email, 'password-123', limited, '192.0.2.32')).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
    // The default app's limit (1000) is far off: the same failures do not lock the account there.
    expect((await login(target.email, 'password-123')).statusCode).toBe(200);
  });

  it('a cookie-authenticated write from another origin or site is 403 and changes nothing', async () => {
    const victim = await createTestUser(database, 'victim');
    const cookie = `kpi_session=${cookieOf(await login(victim.email, 'password-123'))}`;
    const evil = { cookie, host: 'kpi.example', origin: 'http://evil.example' };
    const refused = [
      await app.inject({ method: 'POST', url: '/api/schedules/meta/run', headers: evil }),
      await app.inject({
        method: 'PUT',
        url: '/api/schedules/meta',
        headers: jsonHeaders(evil),
        payload: JSON.stringify({ enabled: true }),
      }),
      await app.inject({ method: 'POST', url: '/api/schedules/meta/run', headers: { cookie, 'sec-fetch-site': 'cross-site' } }),
      await app.inject({
        method: 'POST',
        url: '/api/schedules/meta/run',
        headers: { cookie, host: 'kpi.example', origin: 'null' },
      }),
    ];
    for (const response of refused) expect(expectRestError(response, 403).error.code).toBe('FORBIDDEN');
    const trpc = await app.inject({
      method: 'POST',
      url: '/trpc/schedules.run',
      headers: jsonHeaders(evil),
      payload: '{"service":"meta"}',
    });
    expect(expectTrpcError(trpc, 403).appCode).toBe('FORBIDDEN');
    expect(await runCount(victim.id)).toBe(0);
    // The same request from our own origin goes through; reads from anywhere are harmless and allowed.
    const own = await app.inject({ method: 'POST', url: '/api/schedules/meta/run', headers: { cookie, ...SAME_ORIGIN } });
    expect(own.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/schedules', headers: evil })).statusCode).toBe(200);
  });

  it('a cookie-authenticated text/plain or form POST is refused (no simple-request CSRF)', async () => {
    const victim = await createTestUser(database, 'victim');
    const cookie = `kpi_session=${cookieOf(await login(victim.email, 'password-123'))}`;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const put = await app.inject({
        method: 'PUT',
        url: '/api/schedules/meta',
        headers: { cookie, ...SAME_ORIGIN, 'content-type': type },
        payload: '{"enabled":true}',
      });
      expect(expectRestError(put, 415).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      const run = await app.inject({
        method: 'POST',
        url: '/api/schedules/ga4/run',
        headers: { cookie, 'content-type': type },
        payload: 'x',
      });
      expectRestError(run, 415);
    }
    expect(await runCount(victim.id)).toBe(0);
  });

  it('the bearer-token path is not subject to the Origin check', async () => {
    const caller = await createTestUser(database, 'service');
    const response = await app.inject({
      method: 'POST',
      url: '/api/schedules/shopify/run',
      headers: { ...caller.auth, host: 'kpi.example', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(response.statusCode).toBe(200);
    expect(await runCount(caller.id)).toBe(1);
  });

  it('no raw password, API token or session token is stored anywhere in users, sessions or api_tokens', async () => {
    const password = `Correct-Horse-${Date.now()}-Battery`;
    const account = await createUser({ db: database.db }, { email: `secret-${Date.now()}@example.test`, password });
    const { token } = await createApiToken({ db: database.db }, account.id, { name: 'scan' });
    const session = cookieOf(await login(account.email, password));
    const secrets = [password, token, token.slice('kpi_'.length), session, session.slice('s_'.length)];
    for (const table of ['users', 'sessions', 'api_tokens']) {
      // As the superuser (no RLS), every column of every row, as text.
      const rows = await queryRows<{ row: string }>(database.db, sql`SELECT t::text AS row FROM ${sql.identifier(table)} t`);
      expect(rows.length, table).toBeGreaterThan(0);
      for (const { row } of rows)
        for (const secret of secrets) expect(row.includes(secret), `${table} holds a secret`).toBe(false);
    }
    const [stored] = await queryRows<{ password_hash: string }>(
      database.db,
      sql`SELECT password_hash FROM users WHERE id = ${account.id}`,
    );
    expect(stored?.password_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    const [tokenRow] = await queryRows<{ matches: boolean }>(
      database.db,
      sql`SELECT token_hash = encode(sha256(convert_to(${token}, 'UTF8')), 'hex') AS matches FROM api_tokens WHERE user_id = ${account.id}`,
    );
    expect(tokenRow?.matches).toBe(true);
  });
});
