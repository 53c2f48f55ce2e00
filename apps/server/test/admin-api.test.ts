import { queryRows, sql, withAdmin, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRestError, expectTrpcError, ISO_UTC, jsonHeaders, trpcData, trpcMutation, trpcQuery } from './http.ts';
import { buildTestApp, createTestUser, type TestUser } from './support.ts';

const SAME_ORIGIN = { host: 'kpi.example', origin: 'http://kpi.example' };

type AdminUser = {
  id: number;
  email: string;
  role: string;
  disabled: boolean;
  created_at: string;
  must_change_password: boolean;
};
type AuditEntry = {
  id: number;
  at: string;
  actor_id: number | null;
  actor_email: string;
  action: string;
  target_user_id: number | null;
  details: Record<string, unknown>;
};

/** Every admin route, REST and tRPC, with a valid input, so only the caller's role decides the answer. */
const restRoutes = (targetId: number) => [
  { method: 'GET' as const, url: '/api/admin/users' },
  {
    method: 'POST' as const,
    url: '/api/admin/users',
    payload: { email: `made-${Date.now()}@example.test`, password: 'long-enough-1', role: 'admin' },
  },
  { method: 'PATCH' as const, url: `/api/admin/users/${targetId}`, payload: { role: 'admin' } },
  { method: 'GET' as const, url: '/api/admin/audit' },
  { method: 'GET' as const, url: '/api/admin/fleet' },
];

describe.each(BACKENDS)('the admin API on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database);
    admin = await createTestUser(database, 'admin', 'admin');
    user = await createTestUser(database, 'plain');
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  const rest = (auth: Record<string, string>, route: { method: 'GET' | 'POST' | 'PATCH'; url: string; payload?: unknown }) =>
    app.inject({
      method: route.method,
      url: route.url,
      headers: route.payload === undefined ? auth : jsonHeaders(auth),
      ...(route.payload === undefined ? {} : { payload: JSON.stringify(route.payload) }),
    });
  const ok = <T>(response: LightMyRequestResponse, status = 200): T => {
    expect(response.statusCode, response.body).toBe(status);
    return (response.json() as { data: T }).data;
  };
  const login = (email: string, password: string) =>
    app.inject({ method: 'POST', url: '/api/auth/login', headers: jsonHeaders(), payload: JSON.stringify({ email, password }) });
  const sessionOf = async (email: string, password: string) => {
    const response = await login(email, password);
    expect(response.statusCode, response.body).toBe(200);
    return `kpi_session=${/kpi_session=([^;]*)/.exec(String(response.headers['set-cookie']))?.[1]}`;
  };
  const patch = (id: number, body: unknown, auth = admin.auth) =>
    rest(auth, { method: 'PATCH', url: `/api/admin/users/${id}`, payload: body });
  const auditFor = async (targetId: number) =>
    ok<{ items: AuditEntry[] }>(await rest(admin.auth, { method: 'GET', url: '/api/admin/audit?limit=100' })).items.filter(
      (entry) => entry.target_user_id === targetId,
    );

  it('refuses a non-admin with 403 on every REST route and changes nothing', async () => {
    const counts = () =>
      withAdmin(database.db, admin.id, (tx) =>
        queryRows<{ users: number; audit: number }>(
          tx,
          sql`SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM admin_audit_log) AS audit`,
        ),
      );
    const before = await counts();
    for (const route of restRoutes(user.id)) {
      const error = expectRestError(await rest(user.auth, route), 403);
      expect(error.error.code, route.url).toBe('FORBIDDEN');
      expectRestError(await rest({}, route), 401);
    }
    // Invalid input from a non-admin is still a 403: the role is checked before the body is read.
    expectRestError(await rest(user.auth, { method: 'PATCH', url: '/api/admin/users/abc', payload: { nope: 1 } }), 403);
    const after = await counts();
    expect(after).toEqual(before);
    const [role] = await withService(database.db, (tx) =>
      queryRows<{ role: string }>(tx, sql`SELECT role FROM users WHERE id = ${user.id}`),
    );
    expect(role?.role).toBe('user');
  });

  it('refuses a non-admin with FORBIDDEN on every tRPC procedure, alone and inside a batch', async () => {
    const calls = [
      trpcQuery(app, 'admin.users.list', undefined, user.auth),
      trpcMutation(
        app,
        'admin.users.create',
        { email: 'trpc-made@example.test', password: 'long-enough-1', role: 'admin' },
        user.auth,
      ),
      trpcMutation(app, 'admin.users.update', { id: user.id, role: 'admin' }, user.auth),
      trpcQuery(app, 'admin.audit', {}, user.auth),
      trpcQuery(app, 'admin.fleet', undefined, user.auth),
    ];
    for (const response of await Promise.all(calls)) expect(expectTrpcError(response, 403).appCode).toBe('FORBIDDEN');
    // A batch answers each call on its own: the admin call fails, its data is nowhere in the answer.
    const batch = await app.inject({
      method: 'GET',
      url: '/trpc/auth.me,admin.users.list,admin.fleet?batch=1',
      headers: user.auth,
    });
    const parts = batch.json() as Array<{ result?: { data: unknown }; error?: { data: { appCode: string } } }>;
    expect(parts[0]?.result?.data).toMatchObject({ id: user.id, role: 'user' });
    expect(parts[1]?.error?.data.appCode).toBe('FORBIDDEN');
    expect(parts[2]?.error?.data.appCode).toBe('FORBIDDEN');
    expect(batch.body).not.toContain(admin.email);
    expect(batch.body).not.toContain('queue_depth');
    const mutations = await app.inject({
      method: 'POST',
      url: '/trpc/auth.signOutEverywhere,admin.users.update?batch=1',
      headers: jsonHeaders(user.auth),
      payload: JSON.stringify({ 1: { id: user.id, role: 'admin' } }),
    });
    expect((mutations.json() as Array<{ error?: { data: { appCode: string } } }>)[1]?.error?.data.appCode).toBe('FORBIDDEN');
    const [role] = await withService(database.db, (tx) =>
      queryRows<{ role: string }>(tx, sql`SELECT role FROM users WHERE id = ${user.id}`),
    );
    expect(role?.role).toBe('user');
  });

  it('lets an admin create and list accounts, with no password hash in any answer, and audits the creation', async () => {
    const email = `Created-${Date.now()}@Example.test`;
    const created = ok<AdminUser>(
      await rest(admin.auth, {
        method: 'POST',
        url: '/api/admin/users',
        payload: { email, password: 'first-pass-1', role: 'user' },
      }),
      201,
    );
    expect(created).toEqual({
      id: expect.any(Number),
      email: email.toLowerCase(),
      role: 'user',
      disabled: false,
      created_at: expect.stringMatching(ISO_UTC),
      must_change_password: false,
    });
    const list = ok<AdminUser[]>(await rest(admin.auth, { method: 'GET', url: '/api/admin/users' }));
    expect(list.find((row) => row.id === created.id)).toEqual(created);
    expect(list.map((row) => row.id)).toEqual([...list.map((row) => row.id)].sort((a, b) => a - b));
    const viaTrpc = trpcData<AdminUser[]>(await trpcQuery(app, 'admin.users.list', undefined, admin.auth));
    expect(viaTrpc).toEqual(list);
    expect(JSON.stringify(list)).not.toMatch(/scrypt|password_hash/);
    expect((await login(email, 'first-pass-1')).statusCode).toBe(200);
    const [entry] = await auditFor(created.id);
    expect(entry).toEqual({
      id: expect.any(Number),
      at: expect.stringMatching(ISO_UTC),
      actor_id: admin.id,
      actor_email: admin.email,
      action: 'user.create',
      target_user_id: created.id,
      details: { email: email.toLowerCase(), role: 'user' },
    });
    expect(JSON.stringify(entry)).not.toContain('first-pass-1');
    const duplicate = expectRestError(
      await rest(admin.auth, { method: 'POST', url: '/api/admin/users', payload: { email, password: 'first-pass-1' } }),
      409,
    );
    expect(duplicate.error.code).toBe('CONFLICT');
  });

  it('answers bad input with 400 and a message, and an unknown id with 404', async () => {
    const bad: Array<{ method: 'POST' | 'PATCH' | 'GET'; url: string; payload?: unknown }> = [
      { method: 'POST', url: '/api/admin/users', payload: { email: 'short@example.test', password: 'short' } },
      { method: 'POST', url: '/api/admin/users', payload: { email: 'not-an-email', password: 'long-enough-1' } },
      { method: 'POST', url: '/api/admin/users', payload: { email: 'r@example.test', password: 'long-enough-1', role: 'root' } },
      { method: 'POST', url: '/api/admin/users', payload: { email: 'x@example.test', password: 'long-enough-1', extra: 1 } },
      { method: 'POST', url: '/api/admin/users', payload: { email: 'y@example.test', password: 'p'.repeat(201) } },
      { method: 'PATCH', url: `/api/admin/users/${user.id}`, payload: {} },
      { method: 'PATCH', url: `/api/admin/users/${user.id}`, payload: { disabled: 'yes' } },
      { method: 'PATCH', url: `/api/admin/users/${user.id}`, payload: { role: 'owner' } },
      { method: 'PATCH', url: `/api/admin/users/${user.id}`, payload: { password: 'short' } },
      { method: 'PATCH', url: `/api/admin/users/${user.id}`, payload: { role: 'user', email: 'new@example.test' } },
      { method: 'PATCH', url: '/api/admin/users/abc', payload: { role: 'user' } },
      { method: 'PATCH', url: '/api/admin/users/99999999999', payload: { role: 'user' } },
      { method: 'PATCH', url: '/api/admin/users/-1', payload: { role: 'user' } },
      { method: 'GET', url: '/api/admin/audit?limit=1000' },
      { method: 'GET', url: '/api/admin/audit?cursor=abc' },
      { method: 'GET', url: '/api/admin/audit?since=yesterday' },
    ];
    for (const route of bad) {
      const error = expectRestError(await rest(admin.auth, route), 400);
      expect(error.error.code, `${route.method} ${route.url} ${JSON.stringify(route.payload)}`).toBe('VALIDATION_ERROR');
    }
    expect(expectRestError(await patch(2_000_000_000, { role: 'admin' }), 404).error.code).toBe('NOT_FOUND');
    expect(expectTrpcError(await trpcMutation(app, 'admin.users.update', { id: user.id }, admin.auth), 400).appCode).toBe(
      'VALIDATION_ERROR',
    );
  });

  it('resets a password: the old one stops working, the user must change it, their sessions end', async () => {
    const target = await createTestUser(database, 'reset');
    const cookie = await sessionOf(target.email, 'password-123');
    const changed = ok<AdminUser>(await patch(target.id, { password: 'reset-by-admin-1' }));
    expect(changed.must_change_password).toBe(true);
    expect((await login(target.email, 'password-123')).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
    const fresh = await sessionOf(target.email, 'reset-by-admin-1');
    const me = ok<{ user: { must_change_password: boolean; role: string } }>(
      await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: fresh } }),
    );
    expect(me.user).toMatchObject({ must_change_password: true, role: 'user' });
    const [entry] = await auditFor(target.id);
    expect(entry).toMatchObject({ action: 'user.password_reset', actor_id: admin.id, details: { sessions_ended: 1 } });
    expect(JSON.stringify(entry)).not.toContain('reset-by-admin-1');
  });

  it('promotes and demotes at once: a demoted admin loses admin access on the next request, audited both ways', async () => {
    const target = await createTestUser(database, 'promoted');
    expectRestError(await rest(target.auth, { method: 'GET', url: '/api/admin/fleet' }), 403);
    expect(ok<AdminUser>(await patch(target.id, { role: 'admin' })).role).toBe('admin');
    // Cached as a plain user a moment ago; the promotion is seen on the next request.
    ok(await rest(target.auth, { method: 'GET', url: '/api/admin/fleet' }));
    expect(ok<AdminUser>(await patch(target.id, { role: 'user' })).role).toBe('user');
    expectRestError(await rest(target.auth, { method: 'GET', url: '/api/admin/fleet' }), 403);
    const entries = await auditFor(target.id);
    expect(entries.map((entry) => [entry.action, entry.details])).toEqual([
      ['user.role', { from: 'admin', to: 'user' }],
      ['user.role', { from: 'user', to: 'admin' }],
    ]);
    // A change to what the account already is changes nothing and writes nothing.
    ok(await patch(target.id, { role: 'user', disabled: false }));
    expect(await auditFor(target.id)).toHaveLength(2);
  });

  it('disables an account: its session cookie and token fail on the very next request, sign-in is refused', async () => {
    const target = await createTestUser(database, 'disabled');
    const cookie = await sessionOf(target.email, 'password-123');
    // Both credentials are now in the viewer cache.
    ok(await app.inject({ method: 'GET', url: '/api/schedules', headers: target.auth }));
    ok(await app.inject({ method: 'GET', url: '/api/schedules', headers: { cookie } }));
    const disabled = ok<AdminUser>(await patch(target.id, { disabled: true }));
    expect(disabled.disabled).toBe(true);
    expectRestError(await app.inject({ method: 'GET', url: '/api/schedules', headers: target.auth }), 401);
    expectRestError(await app.inject({ method: 'GET', url: '/api/schedules', headers: { cookie } }), 401);
    expectTrpcError(await trpcQuery(app, 'schedules.list', undefined, target.auth), 401);
    expect(expectRestError(await login(target.email, 'password-123'), 403).error.message).toMatch(/disabled/);
    // The wrong password still reads as a wrong password: "disabled" is told only to who knows it.
    expect(expectRestError(await login(target.email, 'wrong-password'), 401).error.code).toBe('INVALID_CREDENTIALS');
    const enabled = ok<AdminUser>(await patch(target.id, { disabled: false }));
    expect(enabled.disabled).toBe(false);
    // Tokens were refused, not revoked: they work again. Sessions were ended: the old cookie stays dead.
    ok(await app.inject({ method: 'GET', url: '/api/schedules', headers: target.auth }));
    expectRestError(await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } }), 401);
    expect((await login(target.email, 'password-123')).statusCode).toBe(200);
    const entries = await auditFor(target.id);
    expect(entries.map((entry) => entry.action)).toEqual(['user.enable', 'user.disable']);
    expect(entries[1]?.details).toEqual({ sessions_ended: 1, schedules_parked: 0, runs_skipped: 0 });
  });

  it('lists the audit log newest first, a page at a time', async () => {
    const page1 = ok<{ items: AuditEntry[]; nextCursor: number | null }>(
      await rest(admin.auth, { method: 'GET', url: '/api/admin/audit?limit=2' }),
    );
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toBe(page1.items[1]?.id);
    const page2 = ok<{ items: AuditEntry[]; nextCursor: number | null }>(
      await rest(admin.auth, { method: 'GET', url: `/api/admin/audit?limit=2&cursor=${page1.nextCursor}` }),
    );
    const all = ok<{ items: AuditEntry[]; nextCursor: number | null }>(
      await rest(admin.auth, { method: 'GET', url: '/api/admin/audit?limit=100' }),
    );
    expect([...page1.items, ...page2.items]).toEqual(all.items.slice(0, 4));
    expect(all.items.map((entry) => entry.id)).toEqual([...all.items.map((entry) => entry.id)].sort((a, b) => b - a));
    expect(all.nextCursor).toBeNull();
    expect(trpcData<{ items: AuditEntry[] }>(await trpcQuery(app, 'admin.audit', { limit: 2 }, admin.auth)).items).toEqual(
      page1.items,
    );
  });

  it('signs out everywhere: every session of the caller ends, this one included; tokens stay', async () => {
    const target = await createTestUser(database, 'everywhere');
    const first = await sessionOf(target.email, 'password-123');
    const second = await sessionOf(target.email, 'password-123');
    const other = await sessionOf(user.email, 'password-123');
    const answer = ok<{ sessions_ended: number }>(
      await app.inject({
        method: 'POST',
        url: '/api/auth/sign-out-everywhere',
        headers: { ...SAME_ORIGIN, cookie: first },
      }),
    );
    expect(answer).toEqual({ sessions_ended: 2 });
    for (const cookie of [first, second]) {
      expectRestError(await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } }), 401);
    }
    ok(await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: other } }));
    ok(await app.inject({ method: 'GET', url: '/api/auth/me', headers: target.auth }));
    const third = await sessionOf(target.email, 'password-123');
    const viaTrpc = await trpcMutation(app, 'auth.signOutEverywhere', undefined, { ...SAME_ORIGIN, cookie: third });
    expect(trpcData(viaTrpc)).toEqual({ sessions_ended: 1 });
    expectRestError(await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: third } }), 401);
    expectRestError(await app.inject({ method: 'POST', url: '/api/auth/sign-out-everywhere' }), 401);
  });

  it('tells the UI the viewer’s role', async () => {
    expect(
      ok<{ user: { role: string } }>(await app.inject({ method: 'GET', url: '/api/auth/me', headers: admin.auth })).user.role,
    ).toBe('admin');
    expect(trpcData<{ role: string }>(await trpcQuery(app, 'auth.me', undefined, user.auth)).role).toBe('user');
  });
});
