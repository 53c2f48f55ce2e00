import { queryRows, sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRestError, expectTrpcError, ISO_UTC, jsonHeaders, trpcData, trpcMutation, trpcQuery } from './http.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

// The field order REST callers have always received (README, "Using the API"), with additions: lookback_days
// (the complete days each run fetches again) beside the zone, and the auto-pause fields after next_run_at.
const SCHEDULE_KEYS = [
  'id',
  'service',
  'cron',
  'enabled',
  'timezone',
  'lookback_days',
  'last_run_at',
  'next_run_at',
  'pause_after_failures',
  'paused_reason',
  'paused_at',
  'created_at',
  'updated_at',
];

type Schedule = Record<string, unknown> & { id: number; service: string; next_run_at: string | null };

function expectSchedule(schedule: Schedule): void {
  expect(Object.keys(schedule)).toEqual(SCHEDULE_KEYS);
  expect(Number.isSafeInteger(schedule.id) && schedule.id > 0).toBe(true);
  expect(['meta', 'ga4', 'shopify']).toContain(schedule.service);
  expect(typeof schedule.cron).toBe('string');
  expect(typeof schedule.enabled).toBe('boolean');
  expect(typeof schedule.timezone).toBe('string');
  for (const key of ['last_run_at', 'next_run_at']) {
    if (schedule[key] !== null) expect(schedule[key]).toMatch(ISO_UTC);
  }
  expect(schedule.created_at).toMatch(ISO_UTC);
  expect(schedule.updated_at).toMatch(ISO_UTC);
}

describe.each(BACKENDS)('REST contract of the product spec on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let now = new Date('2023-10-01T12:00:00.000Z');

  const put = (user: TestUser, service: string, body: unknown) =>
    app.inject({
      method: 'PUT',
      url: `/api/schedules/${service}`,
      headers: jsonHeaders(user.auth),
      payload: JSON.stringify(body),
    });
  const storedNextRun = async (user: TestUser, service: string) => {
    const [row] = await queryRows<{ next_run_at: Date | null }>(
      database.db,
      sql`SELECT next_run_at FROM job_schedules WHERE user_id = ${user.id} AND service = ${service}`,
    );
    return row?.next_run_at ? new Date(row.next_run_at).toISOString() : null;
  };

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database, { deps: testDeps(database, {}, () => now) });
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  it('GET /api/schedules answers { success, data } with the three defaults, each with every field', async () => {
    const user = await createTestUser(database);
    const response = await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json() as { success: boolean; data: Schedule[] };
    expect(Object.keys(body)).toEqual(['success', 'data']);
    expect(body.success).toBe(true);
    expect(body.data.map((s) => s.service)).toEqual(['meta', 'ga4', 'shopify']);
    for (const schedule of body.data) {
      expectSchedule(schedule);
      expect(schedule).toMatchObject({
        cron: '0 2 * * *',
        enabled: false,
        timezone: 'Asia/Kolkata',
        last_run_at: null,
        next_run_at: null,
      });
    }
    expect(new Set(body.data.map((s) => s.id)).size).toBe(3);
    // A second read creates nothing new.
    const again = (await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth })).json() as typeof body;
    expect(again.data).toEqual(body.data);
  });

  it('PUT /api/schedules/:service creates or updates and answers the spec example field for field', async () => {
    const user = await createTestUser(database);
    now = new Date('2023-10-01T12:00:00.000Z');
    const response = await put(user, 'meta', { cron: '0 3 * * *', enabled: true, timezone: 'UTC' });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { success: boolean; data: Schedule };
    expect(Object.keys(body)).toEqual(['success', 'data']);
    expect(body.success).toBe(true);
    expectSchedule(body.data);
    expect(body.data).toMatchObject({
      service: 'meta',
      cron: '0 3 * * *',
      enabled: true,
      timezone: 'UTC',
      last_run_at: null,
      next_run_at: '2023-10-02T03:00:00.000Z',
      updated_at: '2023-10-01T12:00:00.000Z',
    });
    expect(await storedNextRun(user, 'meta')).toBe('2023-10-02T03:00:00.000Z');
    // The same row afterwards: the list shows it, with the same id, and still one per service.
    const list = (await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth })).json() as { data: Schedule[] };
    expect(list.data.filter((s) => s.service === 'meta')).toEqual([body.data]);
    // Fields left out keep their value; disabling clears the next run.
    const disabled = (await put(user, 'meta', { enabled: false })).json() as { data: Schedule };
    expect(disabled.data).toMatchObject({
      id: body.data.id,
      cron: '0 3 * * *',
      timezone: 'UTC',
      enabled: false,
      next_run_at: null,
    });
  });

  it('next_run_at of 0 2 * * * in Asia/Kolkata is 20:30Z on the previous UTC day', async () => {
    const user = await createTestUser(database);
    now = new Date('2023-10-01T00:00:00.000Z');
    const first = (await put(user, 'ga4', { cron: '0 2 * * *', enabled: true, timezone: 'Asia/Kolkata' })).json();
    expect(first.data.next_run_at).toBe('2023-10-01T20:30:00.000Z');
    now = new Date('2023-10-01T20:30:00.000Z');
    const after = (await put(user, 'ga4', { enabled: true })).json();
    expect(after.data.next_run_at).toBe('2023-10-02T20:30:00.000Z');
    expect(await storedNextRun(user, 'ga4')).toBe('2023-10-02T20:30:00.000Z');
  });

  it('America/New_York spring forward: 02:30 on 2024-03-10 does not exist and fires at 03:00 EDT', async () => {
    const user = await createTestUser(database);
    now = new Date('2024-03-10T05:00:00.000Z'); // 00:00 EST
    const body = (await put(user, 'shopify', { cron: '30 2 * * *', enabled: true, timezone: 'America/New_York' })).json();
    expect(body.data.next_run_at).toBe('2024-03-10T07:00:00.000Z');
    now = new Date('2024-03-10T07:00:00.000Z');
    expect((await put(user, 'shopify', {})).json().data.next_run_at).toBe('2024-03-11T06:30:00.000Z');
  });

  it('America/New_York fall back: 01:30 on 2024-11-03 happens twice and fires once', async () => {
    const user = await createTestUser(database);
    now = new Date('2024-11-03T04:00:00.000Z'); // 00:00 EDT
    const body = (await put(user, 'meta', { cron: '30 1 * * *', enabled: true, timezone: 'America/New_York' })).json();
    expect(body.data.next_run_at).toBe('2024-11-03T05:30:00.000Z'); // 01:30 EDT
    now = new Date('2024-11-03T05:45:00.000Z'); // inside the repeated hour, before 01:30 EST
    expect((await put(user, 'meta', {})).json().data.next_run_at).toBe('2024-11-04T06:30:00.000Z');
  });

  it('POST /api/schedules/:service/run answers the spec example and queues a manual run', async () => {
    const user = await createTestUser(database);
    const response = await app.inject({ method: 'POST', url: '/api/schedules/meta/run', headers: user.auth });
    expect(response.statusCode).toBe(200);
    const body = response.json() as {
      success: boolean;
      message: string;
      data: { jobId: string; service: string; userId: number };
    };
    expect(Object.keys(body)).toEqual(['success', 'message', 'data']);
    expect(Object.keys(body.data)).toEqual(['jobId', 'service', 'userId']);
    expect(body.success).toBe(true);
    expect(body.message).toBe(`meta sync job enqueued for user ${user.id}`);
    expect(body.data.jobId).toMatch(/^job-\d+$/);
    expect(body.data.service).toBe('meta');
    expect(body.data.userId).toBe(user.id);
    expect(typeof body.data.userId).toBe('number');
    const runId = Number(body.data.jobId.slice('job-'.length));
    const rows = await queryRows<{ user_id: number; service: string; trigger: string; status: string }>(
      database.db,
      sql`SELECT user_id, service, trigger, status FROM job_runs WHERE id = ${runId}`,
    );
    expect(rows).toEqual([{ user_id: user.id, service: 'meta', trigger: 'manual', status: 'queued' }]);
  });

  it('a second run while one is queued answers 409 with the existing job id; other services are independent', async () => {
    const user = await createTestUser(database);
    const run = (service: string) => app.inject({ method: 'POST', url: `/api/schedules/${service}/run`, headers: user.auth });
    const first = (await run('ga4')).json() as { data: { jobId: string } };
    const second = expectRestError(await run('ga4'), 409);
    expect(second.error.code).toBe('RUN_ALREADY_ACTIVE');
    expect(second.error.details?.jobId).toBe(first.data.jobId);
    // Still one active run, and the message of a 409 is not the success message.
    const [active] = await queryRows<{ count: number }>(
      database.db,
      sql`SELECT count(*)::int AS count FROM job_runs WHERE user_id = ${user.id} AND service = 'ga4'`,
    );
    expect(active?.count).toBe(1);
    const other = await run('shopify');
    expect(other.statusCode).toBe(200);
    expect(other.json().data.jobId).not.toBe(first.data.jobId);
    // Once the run has finished, a new one may be queued.
    await database.db.execute(sql`UPDATE job_runs SET status = 'succeeded' WHERE user_id = ${user.id} AND service = 'ga4'`);
    expect((await run('ga4')).statusCode).toBe(200);
  });

  it('tRPC schedules.list, update and run give the same data as the REST paths', async () => {
    const user = await createTestUser(database);
    now = new Date('2023-10-01T12:00:00.000Z');
    const rest = (await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth })).json() as { data: Schedule[] };
    expect(trpcData<Schedule[]>(await trpcQuery(app, 'schedules.list', undefined, user.auth))).toEqual(rest.data);

    const body = { cron: '0 3 * * *', enabled: true, timezone: 'UTC' };
    const updated = trpcData<Schedule>(await trpcMutation(app, 'schedules.update', { service: 'ga4', ...body }, user.auth));
    expectSchedule(updated);
    const viaRest = (await put(user, 'ga4', body)).json() as { data: Schedule };
    expect(updated).toEqual(viaRest.data);
    expect(updated.next_run_at).toBe('2023-10-02T03:00:00.000Z');

    const run = trpcData<{ jobId: string; service: string; userId: number; message: string; runId: number }>(
      await trpcMutation(app, 'schedules.run', { service: 'meta' }, user.auth),
    );
    expect(run).toMatchObject({ service: 'meta', userId: user.id, message: `meta sync job enqueued for user ${user.id}` });
    expect(run.jobId).toBe(`job-${run.runId}`);
    const conflict = expectTrpcError(await trpcMutation(app, 'schedules.run', { service: 'meta' }, user.auth), 409);
    expect(conflict.appCode).toBe('RUN_ALREADY_ACTIVE');
    expect(conflict.details?.jobId).toBe(run.jobId);
    const restConflict = expectRestError(
      await app.inject({ method: 'POST', url: '/api/schedules/meta/run', headers: user.auth }),
      409,
    );
    expect(restConflict.error.details?.jobId).toBe(run.jobId);
  });
});
