import { appRouter, createApiToken } from '@kpi/api';
import { queryRows, sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRestError, expectTrpcError, jsonHeaders, trpcData, trpcMutation, trpcQuery } from './http.ts';
import { buildTestApp, createTestUser, type TestUser } from './support.ts';

// Every procedure that has an attacker case below. A new procedure fails the completeness test until
// someone writes down what user B may and may not do with it.
// The connections and sheets procedures have their attacker cases in connections-api.test.ts and
// connections-rls.test.ts, the admin procedures and auth.signOutEverywhere (B's call leaves the
// sessions of others alone) in admin-api.test.ts; they are listed here so that a new procedure anywhere
// fails this guard.
const COVERED_PROCEDURES = [
  'admin.audit',
  'admin.fleet',
  'admin.users.create',
  'admin.users.list',
  'admin.users.update',
  'auth.changePassword',
  'auth.me',
  'auth.signOutEverywhere',
  'connections.list',
  'connections.remove',
  'connections.test',
  'connections.upsert',
  'kpis.history',
  'kpis.latest',
  'notifications.deliveries',
  'notifications.get',
  'notifications.test',
  'notifications.update',
  'runs.byId',
  'runs.cancel',
  'runs.list',
  'runs.stats',
  'scheduler.stats',
  'schedules.backfill',
  'schedules.limits',
  'schedules.list',
  'schedules.preview',
  'schedules.run',
  'schedules.update',
  'sheets.get',
  'sheets.remove',
  'sheets.test',
  'sheets.upsert',
  'tokens.create',
  'tokens.list',
  'tokens.revoke',
];

type Ids = { id: number }[];

describe.each(BACKENDS)('user B with user A’s ids on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let a: TestUser;
  let b: TestUser;
  let aTokenId: number;
  let aScheduleIds: number[];
  let aRunIds: number[];
  let aQueuedJob: string;
  let aBackfillJob: string;
  let aSnapshot: string;

  const rest = (user: TestUser, method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, body?: unknown) =>
    app.inject({
      method,
      url,
      headers: body === undefined ? user.auth : jsonHeaders(user.auth),
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  // Everything of A's, every column, read as the superuser: the attack must leave it byte for byte alone.
  // (Except a token's last_used_at, which A's own requests move.)
  const snapshotOf = async (userId: number) => {
    const parts: string[] = [];
    for (const table of ['users', 'sessions', 'api_tokens', 'job_schedules', 'job_runs', 'kpi_snapshots']) {
      const key = table === 'users' ? 'id' : 'user_id';
      const rows = await queryRows<{ row: string }>(
        database.db,
        sql`SELECT (to_jsonb(t) - 'last_used_at')::text AS row FROM ${sql.identifier(table)} t WHERE ${sql.identifier(key)} = ${userId} ORDER BY 1`,
      );
      parts.push(`${table}: ${rows.map((r) => r.row).join('\n')}`);
    }
    return parts.join('\n');
  };

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database);
    a = await createTestUser(database, 'alice');
    b = await createTestUser(database, 'bob');
    aTokenId = (await createApiToken({ db: database.db }, a.id, { name: 'alice second' })).apiToken.id;
    expect(
      (await rest(a, 'PUT', '/api/schedules/meta', { cron: '15 4 * * *', enabled: true, timezone: 'Europe/London' })).statusCode,
    ).toBe(200);
    aScheduleIds = ((await rest(a, 'GET', '/api/schedules')).json().data as Ids).map((s) => s.id);
    const metaRun = (await rest(a, 'POST', '/api/schedules/meta/run')).json().data.jobId as string;
    await database.db.execute(
      sql`UPDATE job_runs SET status = 'succeeded', finished_at = now(), duration_ms = 42 WHERE id = ${Number(metaRun.slice(4))}`,
    );
    aQueuedJob = (await rest(a, 'POST', '/api/schedules/ga4/run')).json().data.jobId;
    aBackfillJob = (await rest(a, 'POST', '/api/schedules/shopify/backfill', { from: '2025-01-01', to: '2025-01-31' })).json()
      .data.jobId;
    aRunIds = [Number(metaRun.slice(4)), Number(aQueuedJob.slice(4)), Number(aBackfillJob.slice(4))];
    await database.db.execute(
      sql`INSERT INTO kpi_snapshots (user_id, service, date, metrics, source, run_id)
          VALUES (${a.id}, 'meta', '2024-01-01', '{"spend": 1234}', 'sample', ${aRunIds[0]})`,
    );
    aSnapshot = await snapshotOf(a.id);
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  it('every procedure of the router has an attacker case in this file', () => {
    expect(Object.keys(appRouter._def.procedures).sort()).toEqual(COVERED_PROCEDURES);
  });

  it('auth.me and /api/auth/me name B, whatever user id B sends along', async () => {
    const me = await app.inject({
      method: 'GET',
      url: `/api/auth/me?userId=${a.id}`,
      headers: { ...b.auth, 'x-user-id': String(a.id) },
    });
    expect(me.json().data.user.id).toBe(b.id);
    expect(trpcData<{ id: number }>(await trpcQuery(app, 'auth.me', undefined, b.auth)).id).toBe(b.id);
  });

  it('auth.changePassword changes only B’s own password, whatever user id B sends along', async () => {
    const changed = await trpcMutation(
      app,
      'auth.changePassword',
      { current_password: 'password-123', new_password: 'b-new-password-1' },
      { ...b.auth, 'x-user-id': String(a.id) },
    );
    expect(trpcData(changed)).toEqual({ sessions_ended: 0 });
    // A's password_hash is unchanged: the last case compares all of A's rows with their state before.
    // B's did change: the new password is now the current one; back to the shared test password.
    const back = await trpcMutation(
      app,
      'auth.changePassword',
      { current_password: 'b-new-password-1', new_password: 'password-123' },
      b.auth,
    );
    expect(back.statusCode).toBe(200);
  });

  it('schedules: B’s list (REST and tRPC) shows only B’s rows, never one of A’s ids', async () => {
    for (const url of ['/api/schedules', `/api/schedules?userId=${a.id}&user_id=${a.id}`]) {
      const response = await app.inject({ method: 'GET', url, headers: { ...b.auth, 'x-user-id': String(a.id) } });
      const ids = (response.json().data as Ids).map((s) => s.id);
      expect(ids).toHaveLength(3);
      expect(ids.filter((id) => aScheduleIds.includes(id))).toEqual([]);
    }
    const viaTrpc = trpcData<Ids>(await trpcQuery(app, 'schedules.list', undefined, b.auth)).map((s) => s.id);
    expect(viaTrpc.filter((id) => aScheduleIds.includes(id))).toEqual([]);
  });

  it('schedules: B’s updates change B’s rows only; user ids in the body are refused', async () => {
    const own = await rest(b, 'PUT', '/api/schedules/meta', { cron: '0 5 * * *', enabled: true, timezone: 'UTC' });
    expect(aScheduleIds).not.toContain(own.json().data.id);
    expectRestError(await rest(b, 'PUT', '/api/schedules/meta', { cron: '0 6 * * *', user_id: a.id }), 400);
    expectRestError(await rest(b, 'PUT', '/api/schedules/meta', { id: aScheduleIds[0], enabled: false }), 400);
    expectTrpcError(await trpcMutation(app, 'schedules.update', { service: 'meta', enabled: false, userId: a.id }, b.auth), 400);
    expectTrpcError(await trpcMutation(app, 'schedules.update', { service: 'meta', id: aScheduleIds[0] }, b.auth), 400);
    const updated = trpcData<{ id: number }>(
      await trpcMutation(app, 'schedules.update', { service: 'ga4', enabled: false }, b.auth),
    );
    expect(aScheduleIds).not.toContain(updated.id);
  });

  it('schedules.preview is the same for everyone and carries no user data', async () => {
    const preview = trpcData<Record<string, unknown>>(
      await trpcQuery(app, 'schedules.preview', { cron: '15 4 * * *', timezone: 'Europe/London', count: 2 }, b.auth),
    );
    expect(Object.keys(preview).sort()).toEqual(['cron', 'from', 'runs', 'timezone']);
    const restPreview = await app.inject({
      method: 'GET',
      url: '/api/schedules/preview?cron=15%204%20*%20*%20*&timezone=Europe/London&count=2',
      headers: b.auth,
    });
    expect(restPreview.json().data.runs).toHaveLength(2);
  });

  it('schedules.limits is the same for everyone and carries no user data', async () => {
    const limits = trpcData<Record<string, unknown>>(await trpcQuery(app, 'schedules.limits', undefined, b.auth));
    expect(Object.keys(limits).sort()).toEqual(['minIntervalSeconds', 'previewMaxCount']);
  });

  it('runs: B’s run is B’s own; A’s queued job neither blocks it nor is named by B’s 409', async () => {
    const first = await rest(b, 'POST', '/api/schedules/ga4/run');
    expect(first.statusCode).toBe(200);
    const jobId = first.json().data.jobId as string;
    expect(jobId).not.toBe(aQueuedJob);
    expect(first.json().data.userId).toBe(b.id);
    const again = expectRestError(await rest(b, 'POST', '/api/schedules/ga4/run'), 409);
    expect(again.error.details?.jobId).toBe(jobId);
    const viaTrpc = expectTrpcError(await trpcMutation(app, 'schedules.run', { service: 'ga4' }, b.auth), 409);
    expect(viaTrpc.details?.jobId).toBe(jobId);
    expectTrpcError(await trpcMutation(app, 'schedules.run', { service: 'meta', userId: a.id }, b.auth), 400);
  });

  it('runs: A’s run ids are 404 for B on /api/runs/:id and runs.byId; B’s lists and stats hold none of A’s', async () => {
    for (const id of aRunIds) {
      expect(expectRestError(await rest(b, 'GET', `/api/runs/${id}`), 404).error.code).toBe('NOT_FOUND');
      expect(expectTrpcError(await trpcQuery(app, 'runs.byId', { id }, b.auth), 404).appCode).toBe('NOT_FOUND');
      // A can read them: the 404 is isolation, not a broken route.
      expect((await rest(a, 'GET', `/api/runs/${id}`)).statusCode).toBe(200);
    }
    const listed = (await rest(b, 'GET', '/api/runs?limit=100')).json().data.items as Ids;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.filter((r) => aRunIds.includes(r.id))).toEqual([]);
    const cursor = Math.max(...aRunIds) + 1;
    const paged = trpcData<{ items: Ids }>(await trpcQuery(app, 'runs.list', { limit: 100, cursor }, b.auth));
    expect(paged.items.filter((r) => aRunIds.includes(r.id))).toEqual([]);
    const stats = trpcData<Array<{ service: string; runs_total: number; last_success_at: string | null }>>(
      await trpcQuery(app, 'runs.stats', undefined, b.auth),
    );
    expect(stats.find((s) => s.service === 'meta')).toMatchObject({ runs_total: 0, last_success_at: null });
    expect(stats.find((s) => s.service === 'ga4')?.runs_total).toBe(1);
    const restStats = (await rest(b, 'GET', '/api/runs/stats')).json().data as typeof stats;
    expect(restStats).toEqual(stats);
  });

  it('backfills: B cannot cancel A’s backfill by id, and B’s own backfill is B’s, whatever user id B sends along', async () => {
    const aBackfill = Number(aBackfillJob.slice(4));
    for (const id of aRunIds) {
      expect(expectRestError(await rest(b, 'POST', `/api/runs/${id}/cancel`), 404).error.code).toBe('NOT_FOUND');
      expect(expectTrpcError(await trpcMutation(app, 'runs.cancel', { id }, b.auth), 404).appCode).toBe('NOT_FOUND');
    }
    // A's backfill does not block B's of the same source, and B's 409 names B's own job.
    const mine = await rest(b, 'POST', '/api/schedules/shopify/backfill', { from: '2025-01-01', to: '2025-01-31' });
    expect(mine.statusCode).toBe(202);
    expect(mine.json().data.userId).toBe(b.id);
    expect(mine.json().data.jobId).not.toBe(aBackfillJob);
    const conflict = expectTrpcError(
      await trpcMutation(app, 'schedules.backfill', { service: 'shopify', from: '2025-01-01', to: '2025-01-31' }, b.auth),
      409,
    );
    expect(conflict.details?.jobId).toBe(mine.json().data.jobId);
    expectRestError(
      await rest(b, 'POST', '/api/schedules/meta/backfill', { from: '2025-01-01', to: '2025-01-31', user_id: a.id }),
      400,
    );
    expectTrpcError(
      await trpcMutation(
        app,
        'schedules.backfill',
        { service: 'meta', from: '2025-01-01', to: '2025-01-31', userId: a.id },
        b.auth,
      ),
      400,
    );
    // A's backfill is still queued: A can see it.
    expect((await rest(a, 'GET', `/api/runs/${aBackfill}`)).json().data).toMatchObject({ trigger: 'backfill', status: 'queued' });
  });

  it('kpis: B sees none of A’s figures', async () => {
    expect((await rest(a, 'GET', '/api/kpis')).json().data).toHaveLength(1);
    expect((await rest(b, 'GET', '/api/kpis')).json().data).toEqual([]);
    expect(trpcData(await trpcQuery(app, 'kpis.latest', undefined, b.auth))).toEqual([]);
    // The day A has figures for is missing for B, over REST and tRPC.
    const range = { service: 'meta', from: '2024-01-01', to: '2024-01-01' };
    type Days = { days: Array<{ missing: boolean; metrics: unknown }> };
    const aDay = (await rest(a, 'GET', '/api/kpis/history?service=meta&from=2024-01-01&to=2024-01-01')).json().data as Days;
    expect(aDay.days[0]).toMatchObject({ missing: false, metrics: { spend: 1234 } });
    const bDay = (await rest(b, 'GET', '/api/kpis/history?service=meta&from=2024-01-01&to=2024-01-01')).json().data as Days;
    expect(bDay.days[0]).toMatchObject({ missing: true, metrics: null });
    expect(trpcData<Days>(await trpcQuery(app, 'kpis.history', range, b.auth)).days[0]).toMatchObject({ missing: true });
  });

  it('notifications: B sees none of A’s channels or deliveries, and cannot name A in an update', async () => {
    expect((await rest(a, 'PUT', '/api/notifications', { email: 'alice@example.test' })).statusCode).toBe(200);
    await database.db.execute(
      sql`SELECT kpi_record_notification(${a.id}, 'meta', 'run.failed', '{"message":"x"}'::jsonb, now())`,
    );
    expect((await rest(a, 'GET', '/api/notifications/deliveries')).json().data).toHaveLength(1);
    expect(trpcData(await trpcQuery(app, 'notifications.get', undefined, b.auth))).toMatchObject({ email: null });
    expect(trpcData(await trpcQuery(app, 'notifications.deliveries', undefined, b.auth))).toEqual([]);
    expectRestError(await rest(b, 'PUT', '/api/notifications', { email: 'bob@example.test', user_id: a.id }), 400);
    expectTrpcError(await trpcMutation(app, 'notifications.update', { email: 'bob@example.test', userId: a.id }, b.auth), 400);
    // Without a notifier wired, the test send is unavailable rather than sent somewhere.
    expectTrpcError(await trpcMutation(app, 'notifications.test', undefined, b.auth), 503);
    expect((await rest(a, 'GET', '/api/notifications')).json().data.email).toBe('alice@example.test');
  });

  it('tokens: revoking A’s token id is a 404 for B and A’s tokens keep working', async () => {
    expect(expectRestError(await rest(b, 'DELETE', `/api/tokens/${aTokenId}`), 404).error.code).toBe('NOT_FOUND');
    expect(expectTrpcError(await trpcMutation(app, 'tokens.revoke', { id: aTokenId }, b.auth), 404).appCode).toBe('NOT_FOUND');
    const bTokens = trpcData<Ids>(await trpcQuery(app, 'tokens.list', undefined, b.auth)).map((t) => t.id);
    expect(bTokens).not.toContain(aTokenId);
    expect(((await rest(b, 'GET', '/api/tokens')).json().data as Ids).map((t) => t.id)).toEqual(bTokens);
    // A token B creates is B's, whatever user id rides along.
    expectRestError(await rest(b, 'POST', '/api/tokens', { name: 'mine', user_id: a.id }), 400);
    expectTrpcError(await trpcMutation(app, 'tokens.create', { name: 'mine', userId: a.id }, b.auth), 400);
    const created = trpcData<{ apiToken: { id: number } }>(await trpcMutation(app, 'tokens.create', { name: 'mine' }, b.auth));
    const [owner] = await queryRows<{ user_id: number }>(
      database.db,
      sql`SELECT user_id FROM api_tokens WHERE id = ${created.apiToken.id}`,
    );
    expect(owner?.user_id).toBe(b.id);
    expect((await rest(a, 'GET', '/api/schedules')).statusCode).toBe(200);
    expect((await rest(a, 'GET', '/api/tokens')).json().data as Array<{ id: number; revoked_at: string | null }>).toContainEqual(
      expect.objectContaining({ id: aTokenId, revoked_at: null }),
    );
  });

  it('scheduler.stats is for administrators: B, a user, gets 403 on both paths', async () => {
    expectRestError(await rest(b, 'GET', '/api/scheduler/stats'), 403);
    expect(expectTrpcError(await trpcQuery(app, 'scheduler.stats', undefined, b.auth), 403).appCode).toBe('FORBIDDEN');
  });

  it('B signing out does not end A’s session', async () => {
    const signIn = (user: TestUser) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: jsonHeaders(),
        payload: JSON.stringify({ email: user.email, password: 'password-123' }),
      });
    const cookieOf = async (user: TestUser) =>
      /kpi_session=([^;]+)/.exec(String((await signIn(user)).headers['set-cookie']))?.[1];
    const aCookie = `kpi_session=${await cookieOf(a)}`;
    const bCookie = `kpi_session=${await cookieOf(b)}`;
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: bCookie } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: aCookie } })).json().data.user.id).toBe(
      a.id,
    );
    // A signs out too, leaving A's sessions as they were before this test.
    await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: aCookie } });
  });

  it('after all of it, every row of A’s is exactly as it was', async () => {
    expect(await snapshotOf(a.id)).toBe(aSnapshot);
  });
});
