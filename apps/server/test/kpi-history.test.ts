// lookback_days on schedules and the KPI history by day, over REST and tRPC: bounds and bad input are
// 400s with a message, and another user's days are out of reach (row-level security decides, not the query).
import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRestError, expectTrpcError, jsonHeaders, trpcData, trpcMutation, trpcQuery } from './http.ts';
import { buildTestApp, createTestUser, type TestUser } from './support.ts';

type Day = {
  date: string;
  metrics: Record<string, number | string> | null;
  synced_at: string | null;
  run_id: number | null;
  missing: boolean;
  restated: boolean;
};
type History = { service: string; from: string; to: string; timezone: string | null; days: Day[] };

describe.each(BACKENDS)('lookback_days and KPI history on %s', (backend) => {
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

  const put = (user: TestUser, body: unknown) =>
    app.inject({ method: 'PUT', url: '/api/schedules/meta', headers: jsonHeaders(user.auth), payload: JSON.stringify(body) });
  const history = (user: TestUser, query: string) =>
    app.inject({ method: 'GET', url: `/api/kpis/history?${query}`, headers: user.auth });

  /** A finished run and two snapshots of it for the user: the 2nd as first written, the 3rd restated. */
  async function seedDays(user: TestUser): Promise<number> {
    return withService(database.db, async (tx) => {
      const [run] = await queryRows<{ id: string }>(
        tx,
        sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, max_attempts, run_after)
            VALUES (${user.id}, 'meta', 'manual', '2026-08-05T02:00:00Z', 'succeeded', 1, now()) RETURNING id`,
      );
      await tx.execute(sql`INSERT INTO kpi_snapshots (user_id, service, date, metrics, source, run_id, restated_at) VALUES
        (${user.id}, 'meta', '2026-08-02', '{"spend": 10}', 'meta_insights', ${run?.id}, NULL),
        (${user.id}, 'meta', '2026-08-03', '{"spend": 12.5}', 'meta_insights', ${run?.id}, now())`);
      await tx.execute(
        sql`INSERT INTO connections (user_id, service, account_id, credential_kind, secret, timezone)
            VALUES (${user.id}, 'meta', '1', 'access_token', 'sealed', 'Pacific/Honolulu')`,
      );
      return Number(run?.id);
    });
  }

  it('schedules show the source default lookback and accept 1 to 28 days, over REST and tRPC', async () => {
    const user = await createTestUser(database);
    const list = (await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth })).json();
    expect(list.data.map((s: { service: string; lookback_days: number }) => [s.service, s.lookback_days])).toEqual([
      ['meta', 7],
      ['ga4', 3],
      ['shopify', 3],
    ]);
    const saved = await put(user, { lookback_days: 28 });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().data.lookback_days).toBe(28);
    // Another field changed later keeps the lookback; tRPC sets it the same way.
    expect((await put(user, { cron: '0 3 * * *' })).json().data.lookback_days).toBe(28);
    const viaTrpc = trpcData<{ lookback_days: number }>(
      await trpcMutation(app, 'schedules.update', { service: 'meta', lookback_days: 1 }, user.auth),
    );
    expect(viaTrpc.lookback_days).toBe(1);
    const [row] = await queryRows<{ lookback_days: number }>(
      database.db,
      sql`SELECT lookback_days FROM job_schedules WHERE user_id = ${user.id} AND service = 'meta'`,
    );
    expect(row?.lookback_days).toBe(1);
  });

  it.each([
    ['0', 0, /at least 1/],
    ['29', 29, /at most 28/],
    ['a string', '7', /whole number/],
    ['a fraction', 2.5, /whole number/],
    ['null', null, /whole number/],
  ])('lookback_days %s is a 400 with a message, over REST and tRPC', async (_label, value, message) => {
    const user = await createTestUser(database);
    const rest = expectRestError(await put(user, { lookback_days: value }), 400);
    expect(rest.error.code).toBe('VALIDATION_ERROR');
    expect(rest.error.message).toMatch(message);
    const trpc = expectTrpcError(
      await trpcMutation(app, 'schedules.update', { service: 'meta', lookback_days: value }, user.auth),
      400,
    );
    expect(trpc.message).toMatch(message);
    // Nothing was saved: the schedule still shows the default.
    const list = (await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth })).json();
    expect(list.data[0].lookback_days).toBe(7);
  });

  it('one entry per day: stored days with their run and restated flag, the rest missing, in the source zone', async () => {
    const user = await createTestUser(database);
    const runId = await seedDays(user);
    const response = await history(user, 'service=meta&from=2026-08-01&to=2026-08-04');
    expect(response.statusCode).toBe(200);
    const data = response.json().data as History;
    expect(data).toMatchObject({ service: 'meta', from: '2026-08-01', to: '2026-08-04', timezone: 'Pacific/Honolulu' });
    expect(data.days.map((day) => [day.date, day.missing, day.restated, day.run_id])).toEqual([
      ['2026-08-01', true, false, null],
      ['2026-08-02', false, false, runId],
      ['2026-08-03', false, true, runId],
      ['2026-08-04', true, false, null],
    ]);
    expect(data.days[1]?.metrics).toEqual({ spend: 10 });
    expect(data.days[1]?.synced_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(data.days[0]).toEqual({
      date: '2026-08-01',
      metrics: null,
      synced_at: null,
      run_id: null,
      missing: true,
      restated: false,
    });
    // tRPC answers the same object.
    const viaTrpc = trpcData<History>(
      await trpcQuery(app, 'kpis.history', { service: 'meta', from: '2026-08-01', to: '2026-08-04' }, user.auth),
    );
    expect(viaTrpc).toEqual(data);
  });

  it("another user's days are impossible to read: every day is missing, the zone unknown", async () => {
    const owner = await createTestUser(database, 'owner');
    const intruder = await createTestUser(database, 'intruder');
    await seedDays(owner);
    const expected = { service: 'meta', from: '2026-08-02', to: '2026-08-03', timezone: null };
    const rest = (await history(intruder, 'service=meta&from=2026-08-02&to=2026-08-03')).json().data as History;
    expect(rest).toMatchObject(expected);
    expect(rest.days.every((day) => day.missing && day.metrics === null && day.run_id === null)).toBe(true);
    // A user id smuggled into the input is an unknown key, not a way in.
    expectTrpcError(
      await trpcQuery(
        app,
        'kpis.history',
        { service: 'meta', from: '2026-08-02', to: '2026-08-03', user_id: owner.id },
        intruder.auth,
      ),
      400,
    );
    expectRestError(await history(intruder, `service=meta&from=2026-08-02&to=2026-08-03&user_id=${owner.id}`), 400);
    // Without a credential there is no answer at all.
    expectRestError(
      await app.inject({ method: 'GET', url: '/api/kpis/history?service=meta&from=2026-08-02&to=2026-08-03' }),
      401,
    );
  });

  it.each([
    ['a reversed range', 'service=meta&from=2026-08-05&to=2026-08-01', /not be after/],
    ['367 days', 'service=meta&from=2025-01-01&to=2026-01-02', /at most 366 days/],
    ['an impossible date', 'service=meta&from=2026-02-30&to=2026-03-01', /from must be/],
    ['a date with a time', 'service=meta&from=2026-08-01T00:00:00Z&to=2026-08-02', /from must be/],
    ['no dates', 'service=meta', /from must be/],
    ['an unknown service', 'service=tiktok&from=2026-08-01&to=2026-08-02', /service must be one of/],
  ])('%s is a 400 with a message', async (_label, query, message) => {
    const user = await createTestUser(database);
    const body = expectRestError(await history(user, query), 400);
    expect(body.error.message).toMatch(message);
  });

  it('366 days is the longest range, answered day by day', async () => {
    const user = await createTestUser(database);
    const response = await history(user, 'service=ga4&from=2024-01-01&to=2024-12-31');
    expect(response.statusCode).toBe(200);
    const days = (response.json().data as History).days;
    expect(days).toHaveLength(366);
    expect(days[59]?.date).toBe('2024-02-29');
  });
});
