import { hashPassword } from '@kpi/api';
import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from '../src/bootstrap-admin.ts';
import { expectRestError, expectTrpcError, jsonHeaders, trpcData, trpcMutation, trpcQuery } from './http.ts';
import { buildTestApp, createTestUser } from './support.ts';

const SAME_ORIGIN = { host: 'kpi.example', origin: 'http://kpi.example' };

describe.each(BACKENDS)('changing one’s password on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database);
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  // Sign-in limits are shared through the database and count per address too: a test that counts them
  // comes from an address of its own.
  const login = async (email: string, password: string, remoteAddress = '127.0.0.1') =>
    app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: jsonHeaders(),
      payload: JSON.stringify({ email, password }),
      remoteAddress,
    });
  const sessionOf = async (email: string, password: string) => {
    const response = await login(email, password);
    expect(response.statusCode, response.body).toBe(200);
    return `kpi_session=${/kpi_session=([^;]*)/.exec(String(response.headers['set-cookie']))?.[1]}`;
  };
  const change = (cookie: string, body: unknown, remoteAddress = '127.0.0.1') =>
    app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: jsonHeaders({ ...SAME_ORIGIN, cookie }),
      payload: JSON.stringify(body),
      remoteAddress,
    });
  const me = (cookie: string) => app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });

  it('the generated first administrator must change its password; a changed one is clear, other sessions end', async () => {
    // bootstrapAdmin creates the admin only on an empty database: this suite's first user.
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    await bootstrapAdmin({ db: database.db }, log, {});
    const created = lines.find((line) => line.event === 'admin-created') as { email: string; generatedPassword: string };
    expect(created.email).toBe('admin@localhost.localdomain');
    const password = created.generatedPassword;

    const here = await sessionOf(created.email, password);
    const elsewhere = await sessionOf(created.email, password); // e.g. whoever also read the log
    expect((await me(here)).json().data.user).toMatchObject({ role: 'admin', must_change_password: true });
    expect(
      trpcData<{ must_change_password: boolean }>(await trpcQuery(app, 'auth.me', undefined, { cookie: here })),
    ).toMatchObject({
      must_change_password: true,
    });

    const wrong = await change(here, { current_password: 'not-it-at-all', new_password: 'a-new-password-1' });
    expect(expectRestError(wrong, 400).error.details).toMatchObject({ field: 'current_password' });
    expectRestError(await change(here, { current_password: password, new_password: 'short' }), 400);

    const ok = await change(here, { current_password: password, new_password: 'a-new-password-1' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().data).toEqual({ sessions_ended: 1 });
    // This session stays; the other one is over at once (the auth cache is told), and so is the old password.
    expect((await me(here)).json().data.user.must_change_password).toBe(false);
    expectRestError(await me(elsewhere), 401);
    expectRestError(await login(created.email, password), 401);
    expect((await login(created.email, 'a-new-password-1')).statusCode).toBe(200);
  });

  it('wrong current passwords are counted by the sign-in limiter: after LOGIN_MAX_ATTEMPTS, 429 there and at login', async () => {
    const user = await createTestUser(database, 'guesser');
    const cookie = await sessionOf(user.email, 'password-123');
    // Its own instance with a limit of 5: the counters (per address too) stay out of the other tests.
    const main = app;
    app = await buildTestApp(database, { loginMaxAttempts: 5 });
    try {
      const guesser = '198.51.100.77';
      for (let i = 0; i < 5; i++)
        expectRestError(await change(cookie, { current_password: `guess-${i}-x`, new_password: 'whatever-new-1' }, guesser), 400);
      const blocked = await change(cookie, { current_password: 'password-123', new_password: 'whatever-new-1' }, guesser);
      expect(expectRestError(blocked, 429).error.code).toBe('RATE_LIMITED');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      // The same budget as the login form: the e-mail is locked there too.
      expectRestError(await login(user.email, 'password-123', guesser), 429);
      // And the password did not change.
      const [row] = await withService(database.db, (tx) =>
        queryRows<{ ok: boolean }>(tx, sql`SELECT must_change_password = false AS ok FROM users WHERE id = ${user.id}`),
      );
      expect(row?.ok).toBe(true);
    } finally {
      await app.close();
      app = main;
    }
  });

  it('tRPC auth.changePassword does the same; with an API token every session ends', async () => {
    const user = await createTestUser(database, 'trpc');
    await withService(database.db, async (tx) =>
      tx.execute(
        sql`UPDATE users SET must_change_password = true, password_hash = ${await hashPassword('old-password-1')} WHERE id = ${user.id}`,
      ),
    );
    const session = await sessionOf(user.email, 'old-password-1');
    expectTrpcError(
      await trpcMutation(
        app,
        'auth.changePassword',
        { current_password: 'nope-nope', new_password: 'new-password-2' },
        user.auth,
      ),
      400,
    );
    const changed = await trpcMutation(
      app,
      'auth.changePassword',
      { current_password: 'old-password-1', new_password: 'new-password-2' },
      user.auth,
    );
    expect(trpcData(changed)).toEqual({ sessions_ended: 1 });
    expectRestError(await me(session), 401);
    expect(
      trpcData<{ must_change_password: boolean }>(await trpcQuery(app, 'auth.me', undefined, user.auth)).must_change_password,
    ).toBe(false);
  });
});
