// Backfills through the API: queued with 202, refused with a 400 and a message for a bad range, one per
// source at a time (409 with its job id), cancelled by their owner only (row-level security), shown with
// their progress and range in the run JSON, and queued by a source's first connection.
import type { ApiDeps } from '@kpi/api';
import { connectorsPort, SecretBox } from '@kpi/connectors';
import { queryRows, sql, withService, withTenant } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fakes, fakeSettings, startFakes } from '../../../packages/connectors/test/support.ts';
import { loadConfig } from '../src/config.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

// 15 March 2026, 12:00 UTC: "today" is 2026-03-15 in UTC and in Asia/Kolkata, the default schedule zone.
const NOW = new Date('2026-03-15T12:00:00Z');

describe.each(BACKENDS)('backfill API on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  let app: FastifyInstance;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    const box = SecretBox.fromBase64(Buffer.alloc(32, 7).toString('base64'));
    const deps: ApiDeps = {
      ...testDeps(database, { backfillDays: 7 }, () => NOW),
      connectors: connectorsPort({ settings: fakeSettings(fakes), box }),
    };
    app = await buildTestApp(database, { deps });
    alice = await createTestUser(database, 'alice');
    bob = await createTestUser(database, 'bob');
  });
  afterAll(async () => {
    await app?.close();
    await fakes?.close();
    await database?.dispose();
  });

  const post = (user: TestUser, url: string, payload?: unknown) =>
    app.inject({ method: 'POST', url, headers: user.auth, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const get = (user: TestUser, url: string) => app.inject({ method: 'GET', url, headers: user.auth });
  const runIdOf = (jobId: string) => Number(jobId.replace('job-', ''));

  it('queues a backfill: 202 with its job, range and days; the run shows trigger, progress and range', async () => {
    const response = await post(alice, '/api/schedules/meta/backfill', { from: '2025-03-15', to: '2026-03-14' });
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body).toEqual({
      success: true,
      message: `meta backfill of 365 days (2025-03-15 to 2026-03-14) enqueued for user ${alice.id}`,
      data: {
        jobId: expect.stringMatching(/^job-\d+$/),
        service: 'meta',
        userId: alice.id,
        from: '2025-03-15',
        to: '2026-03-14',
        days: 365,
      },
    });
    const run = (await get(alice, `/api/runs/${runIdOf(body.data.jobId)}`)).json().data;
    expect(run).toMatchObject({
      trigger: 'backfill',
      status: 'queued',
      progress: { done: 0, total: 365 },
      range: { from: '2025-03-15', to: '2026-03-14' },
    });
    const listed = (await get(alice, '/api/runs?service=meta')).json().data.items;
    expect(listed[0]).toMatchObject({ id: run.id, trigger: 'backfill', progress: { done: 0, total: 365 } });
  });

  it('answers 409 BACKFILL_RUNNING with the job id while one is active, and leaves other runs alone', async () => {
    const first = await post(alice, '/api/schedules/ga4/backfill', { from: '2026-01-01', to: '2026-01-31' });
    expect(first.statusCode).toBe(202);
    const second = await post(alice, '/api/schedules/ga4/backfill', { from: '2025-01-01', to: '2025-01-31' });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toEqual({
      success: false,
      error: {
        code: 'BACKFILL_RUNNING',
        message: 'A ga4 backfill is already queued',
        details: { jobId: first.json().data.jobId, status: 'queued' },
      },
    });
    // A sync now of the same source is not held back by the backfill, nor is a backfill of another user.
    expect((await post(alice, '/api/schedules/ga4/run')).statusCode).toBe(200);
    expect((await post(bob, '/api/schedules/ga4/backfill', { from: '2026-01-01', to: '2026-01-31' })).statusCode).toBe(202);
  });

  it.each([
    [
      'over 366 days',
      { from: '2025-01-01', to: '2026-01-02' },
      'a backfill covers at most 366 days; 2025-01-01 to 2026-01-02 is 367',
    ],
    ['a reversed range', { from: '2026-02-10', to: '2026-02-01' }, 'to (2026-02-01) is before from (2026-02-10)'],
    [
      'today, which is not over',
      { from: '2026-03-01', to: '2026-03-15' },
      'to (2026-03-15) is not over yet: the last day a backfill can fetch is the day before 2026-03-15',
    ],
    [
      'a future day',
      { from: '2026-03-01', to: '2026-04-01' },
      'to (2026-04-01) is not over yet: the last day a backfill can fetch is the day before 2026-03-15',
    ],
    ['an invalid date', { from: '2026-02-30', to: '2026-03-01' }, 'from must be a real date written YYYY-MM-DD'],
    ['a date in another format', { from: '01/02/2026', to: '2026-03-01' }, 'from must be a real date written YYYY-MM-DD'],
    ['a missing day', { from: '2026-02-01' }, 'to must be a date written YYYY-MM-DD'],
    ['an unknown field', { from: '2026-02-01', to: '2026-02-02', user_id: 1 }, 'unknown field: user_id'],
    ['an oversized value', { from: 'x'.repeat(10_000), to: '2026-02-02' }, 'from must be a date written YYYY-MM-DD'],
  ])('refuses %s with a 400 and a message', async (_name, payload, message) => {
    const response = await post(alice, '/api/schedules/shopify/backfill', payload);
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.success).toBe(false);
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.message).toContain(message);
    const [row] = await withService(database.db, (tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`SELECT count(*)::int AS n FROM job_runs WHERE user_id = ${alice.id} AND service = 'shopify'`,
      ),
    );
    expect(row?.n).toBe(0);
  });

  it('refuses an unknown service with a 400', async () => {
    const response = await post(alice, '/api/schedules/tiktok/backfill', { from: '2026-01-01', to: '2026-01-02' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('UNKNOWN_SERVICE');
  });

  it("cancels the caller's own backfill; another user can neither see nor cancel it", async () => {
    const carol = await createTestUser(database, 'carol');
    const queued = await post(carol, '/api/schedules/meta/backfill', { from: '2026-02-01', to: '2026-02-28' });
    const id = runIdOf(queued.json().data.jobId);
    // Bob tries Carol's run id: it does not exist for him.
    expect((await get(bob, `/api/runs/${id}`)).statusCode).toBe(404);
    const stolen = await post(bob, `/api/runs/${id}/cancel`);
    expect(stolen.statusCode).toBe(404);
    expect(stolen.json().error.code).toBe('NOT_FOUND');
    expect((await get(carol, `/api/runs/${id}`)).json().data.status).toBe('queued');

    const cancelled = await post(carol, `/api/runs/${id}/cancel`);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().data).toMatchObject({
      id,
      trigger: 'backfill',
      status: 'failed',
      error_class: 'cancelled',
      error: 'cancelled by the user',
      finished_at: NOW.toISOString(),
      progress: { done: 0, total: 28 },
    });
    // A cancel is not a failure of the source: the statistics do not count it as one.
    const stats = (await get(carol, '/api/runs/stats')).json().data.find((s: { service: string }) => s.service === 'meta');
    expect(stats).toMatchObject({ last_failure_at: null, success_rate: null, runs_total: 1 });
    // Done is done: a second cancel, or a cancel of a run that is not a backfill, is a 409.
    const again = await post(carol, `/api/runs/${id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toContain('is not an active backfill');
    const manual = await post(carol, '/api/schedules/meta/run');
    expect((await post(carol, `/api/runs/${runIdOf(manual.json().data.jobId)}/cancel`)).statusCode).toBe(409);
    // The source is free for a new backfill.
    expect((await post(carol, '/api/schedules/meta/backfill', { from: '2026-02-01', to: '2026-02-28' })).statusCode).toBe(202);
    expect((await post(carol, '/api/runs/not-a-number/cancel')).statusCode).toBe(400);
  });

  it('lets the database, not only the service, keep a tenant to cancelling its own active backfills', async () => {
    const dave = await createTestUser(database, 'dave');
    const queued = await post(dave, '/api/schedules/meta/backfill', { from: '2026-02-01', to: '2026-02-28' });
    const id = runIdOf(queued.json().data.jobId);
    const cancel = sql`UPDATE job_runs SET status = 'failed', error_class = 'cancelled' WHERE id = ${id} RETURNING id`;
    // Another tenant's UPDATE finds no row.
    expect(await withTenant(database.db, bob.id, (tx) => queryRows(tx, cancel))).toHaveLength(0);
    // The owner may not mark it anything but cancelled (say, succeeded with made-up progress).
    await expect(
      withTenant(database.db, dave.id, (tx) =>
        queryRows(tx, sql`UPDATE job_runs SET status = 'succeeded' WHERE id = ${id} RETURNING id`),
      ),
    ).rejects.toThrow();
    await expect(
      withTenant(database.db, dave.id, (tx) =>
        queryRows(tx, sql`UPDATE job_runs SET result = '{}' WHERE id = ${id} RETURNING id`),
      ),
    ).rejects.toThrow();
    // The owner's cancel is allowed, once.
    expect(await withTenant(database.db, dave.id, (tx) => queryRows(tx, cancel))).toHaveLength(1);
    expect(await withTenant(database.db, dave.id, (tx) => queryRows(tx, cancel))).toHaveLength(0);
  });

  it('queues and cancels through tRPC with the same answers', async () => {
    const erin = await createTestUser(database, 'erin');
    const trpc = (path: string, body: unknown) =>
      app.inject({
        method: 'POST',
        url: `/trpc/${path}`,
        headers: { ...erin.auth, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const queued = await trpc('schedules.backfill', { service: 'shopify', from: '2026-03-01', to: '2026-03-14' });
    expect(queued.statusCode).toBe(200);
    const data = queued.json().result.data;
    expect(data).toEqual({
      jobId: expect.stringMatching(/^job-\d+$/),
      service: 'shopify',
      userId: erin.id,
      from: '2026-03-01',
      to: '2026-03-14',
      days: 14,
    });
    const conflict = await trpc('schedules.backfill', { service: 'shopify', from: '2026-03-01', to: '2026-03-14' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.data.code).toBe('CONFLICT');
    const reversed = await trpc('schedules.backfill', { service: 'meta', from: '2026-03-14', to: '2026-03-01' });
    expect(reversed.statusCode).toBe(400);
    const cancelled = await trpc('runs.cancel', { id: runIdOf(data.jobId) });
    expect(cancelled.json().result.data).toMatchObject({ status: 'failed', error_class: 'cancelled' });
  });

  it("queues a backfill of the last BACKFILL_DAYS finished days on a source's first connection only", async () => {
    const frank = await createTestUser(database, 'frank');
    const save = () =>
      app.inject({
        method: 'PUT',
        url: '/api/connections/meta',
        headers: frank.auth,
        payload: { account_id: 'act_1234', credential: { kind: 'access_token', access_token: 'EAAG-first-connect-token' } },
      });
    expect((await save()).statusCode).toBe(200);
    const runs = (await get(frank, '/api/runs')).json().data.items;
    expect(runs).toEqual([
      expect.objectContaining({
        trigger: 'backfill',
        service: 'meta',
        status: 'queued',
        range: { from: '2026-03-08', to: '2026-03-14' },
        progress: { done: 0, total: 7 },
      }),
    ]);
    // Saving it again (a new token) is not a first connection: no second backfill.
    await post(frank, `/api/runs/${runs[0].id}/cancel`);
    expect((await save()).statusCode).toBe(200);
    expect((await get(frank, '/api/runs')).json().data.items).toHaveLength(1);
  });
});

describe('BACKFILL_DAYS', () => {
  it('defaults to 30, takes 1 to 366, and stops the server with its name otherwise', () => {
    expect(loadConfig({}).backfillDays).toBe(30);
    expect(loadConfig({ BACKFILL_DAYS: '90' }).backfillDays).toBe(90);
    for (const value of ['0', '367', 'a month', '1.5']) {
      expect(() => loadConfig({ BACKFILL_DAYS: value })).toThrow(/BACKFILL_DAYS/);
    }
  });
});
