import type { AddressInfo } from 'node:net';
import type { ErrorCode, ScheduleJson } from '@kpi/api';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
// apps/server does not depend on @kpi/client; the test reaches the package's source directly.
import { createKpiClient, isKpiClientError, type KpiClient, type KpiClientError } from '../../../packages/client/src/index.ts';
import { buildTestApp, createTestUser, type TestUser } from './support.ts';

/** Runs a call that must fail and hands back its typed error. */
async function failureOf(call: Promise<unknown>): Promise<KpiClientError> {
  try {
    await call;
  } catch (error) {
    if (isKpiClientError(error)) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

describe.each(BACKENDS)('the typed client against a listening server on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let baseUrl: string;
  let user: TestUser;
  let client: KpiClient;
  let requests = 0;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database);
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    user = await createTestUser(database);
    const counting: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };
    // A trailing slash on the base URL is tolerated.
    client = createKpiClient({ baseUrl: `${baseUrl}/`, token: user.token, fetch: counting });
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  it('lists the caller’s three schedules, typed as the server’s ScheduleJson', async () => {
    const schedules = await client.schedules.list.query();
    expectTypeOf(schedules).toEqualTypeOf<ScheduleJson[]>();
    expect(schedules.map((s) => s.service)).toEqual(['meta', 'ga4', 'shopify']);
    expect(schedules.every((s) => s.cron === '0 2 * * *' && s.timezone === 'Asia/Kolkata')).toBe(true);
    const me = await client.auth.me.query();
    expect(me?.id).toBe(user.id);
  });

  it('updates a schedule and reads the change back', async () => {
    const updated = await client.schedules.update.mutate({ service: 'meta', cron: '0 3 * * *', enabled: true, timezone: 'UTC' });
    expectTypeOf(updated).toEqualTypeOf<ScheduleJson>();
    expect(updated).toMatchObject({ service: 'meta', cron: '0 3 * * *', enabled: true, timezone: 'UTC' });
    expect(updated.next_run_at).toMatch(/T03:00:00\.000Z$/);
    const meta = (await client.schedules.list.query()).find((s) => s.service === 'meta');
    expect(meta).toEqual(updated);
  });

  it('a bad cron rejects with a typed validation error carrying the server’s code', async () => {
    const error = await failureOf(client.schedules.update.mutate({ service: 'meta', cron: '0 0 30 2 *' }));
    expectTypeOf<NonNullable<KpiClientError['data']>['appCode']>().toEqualTypeOf<ErrorCode>();
    expect(error.data?.code).toBe('BAD_REQUEST');
    expect(error.data?.httpStatus).toBe(400);
    expect(error.data?.appCode).toBe('INVALID_CRON');
    expect(error.data?.details).toMatchObject({ field: 'cron', reason: 'CRON_NEVER_FIRES' });
    expect(error.message).toMatch(/never fires/);
    const zone = await failureOf(client.schedules.update.mutate({ service: 'meta', timezone: '+05:30' }));
    expect(zone.data?.appCode).toBe('INVALID_TIMEZONE');
    // The types refuse an unknown service; the server refuses it too when types are bypassed.
    // @ts-expect-error 'facebook' is not a service
    const service = await failureOf(client.schedules.update.mutate({ service: 'facebook', cron: '0 2 * * *' }));
    expect(service.data?.httpStatus).toBe(400);
    // Nothing was saved by the failed calls.
    expect((await client.schedules.list.query()).find((s) => s.service === 'meta')?.cron).toBe('0 3 * * *');
  });

  it('runs a sync, and a second run answers CONFLICT with the first job id', async () => {
    const run = await client.schedules.run.mutate({ service: 'ga4' });
    expect(run).toMatchObject({ service: 'ga4', userId: user.id, message: `ga4 sync job enqueued for user ${user.id}` });
    expect(run.jobId).toMatch(/^job-\d+$/);
    const conflict = await failureOf(client.schedules.run.mutate({ service: 'ga4' }));
    expect(conflict.data?.code).toBe('CONFLICT');
    expect(conflict.data?.appCode).toBe('RUN_ALREADY_ACTIVE');
    expect(conflict.data?.details?.jobId).toBe(run.jobId);
  });

  it('batches calls made together into one HTTP request', async () => {
    const before = requests;
    const [schedules, stats, me] = await Promise.all([
      client.schedules.list.query(),
      client.runs.stats.query(),
      client.auth.me.query(),
    ]);
    expect(requests - before).toBe(1);
    expect(schedules).toHaveLength(3);
    expect(stats.map((s) => s.service)).toEqual(['meta', 'ga4', 'shopify']);
    expect(me?.email).toBe(user.email);
  });

  it('a forged token is refused: the call rejects and nothing is returned', async () => {
    const forged = createKpiClient({ baseUrl, token: `kpi_${'A'.repeat(43)}` });
    const error = await failureOf(forged.schedules.list.query());
    expect(error.meta?.response).toMatchObject({ status: 401 });
  });
});
