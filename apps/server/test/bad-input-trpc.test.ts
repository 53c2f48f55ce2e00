import { queryRows, sql } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVALID_BODIES, INVALID_CRONS, INVALID_TIMEZONES, UNKNOWN_SERVICES } from './bad-input-corpus.ts';
import { expectTrpcError, trpcData, trpcMutation, trpcQuery } from './http.ts';
import { buildTestApp, createTestUser, type TestUser } from './support.ts';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

describe.each(BACKENDS)('bad input over tRPC on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let user: TestUser;
  let before: unknown;

  const update = (input: unknown) => trpcMutation(app, 'schedules.update', input, user.auth);

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    app = await buildTestApp(database);
    user = await createTestUser(database);
    before = trpcData(await trpcQuery(app, 'schedules.list', undefined, user.auth));
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  it.each(INVALID_CRONS)('schedules.update with cron: %s is a 400 INVALID_CRON', async (_label, cron) => {
    const error = expectTrpcError(await update({ service: 'meta', cron, enabled: true }), 400);
    expect(error.appCode).toBe('INVALID_CRON');
  });

  it.each(INVALID_TIMEZONES)('schedules.update with timezone: %s is a 400 INVALID_TIMEZONE', async (_label, timezone) => {
    const error = expectTrpcError(await update({ service: 'meta', cron: '0 2 * * *', timezone }), 400);
    expect(error.appCode).toBe('INVALID_TIMEZONE');
  });

  it.each(INVALID_BODIES)('schedules.update with body: $label is refused with a 4xx', async ({ value, raw, contentType }) => {
    const payload = raw ?? JSON.stringify(isPlainObject(value) ? { service: 'meta', ...value } : value);
    const response = await app.inject({
      method: 'POST',
      url: '/trpc/schedules.update',
      headers: { ...user.auth, 'content-type': contentType ?? 'application/json' },
      payload,
    });
    expectTrpcError(response);
  });

  it('schedules.update without a service, or with a service field of the wrong type, is a 400', async () => {
    expectTrpcError(await update({ cron: '0 2 * * *' }), 400);
    expectTrpcError(await update({ service: ['meta'], cron: '0 2 * * *' }), 400);
    expectTrpcError(await update({ service: null }), 400);
  });

  it.each(UNKNOWN_SERVICES)('unknown service %j is a 400 on schedules.update and schedules.run', async (service) => {
    expectTrpcError(await update({ service, cron: '0 2 * * *' }), 400);
    expectTrpcError(await trpcMutation(app, 'schedules.run', { service }, user.auth), 400);
  });

  it('schedules.run refuses extra fields (no user id smuggled in)', async () => {
    const error = expectTrpcError(await trpcMutation(app, 'schedules.run', { service: 'meta', userId: 1 }, user.auth), 400);
    expect(error.message).toMatch(/userId/);
  });

  it('a mutation sent as a query, an unknown procedure and unparsable input are 4xx, not 5xx', async () => {
    expectTrpcError(await trpcQuery(app, 'schedules.update', { service: 'meta' }, user.auth));
    expectTrpcError(await trpcQuery(app, 'schedules.nope', undefined, user.auth), 404);
    expectTrpcError(await app.inject({ method: 'GET', url: '/trpc/schedules.preview?input=%7Bnot-json', headers: user.auth }));
  });

  it('a batch over the size limit is refused with a 4xx', async () => {
    const paths = Array.from({ length: 50 }, () => 'schedules.list').join(',');
    const response = await app.inject({ method: 'GET', url: `/trpc/${paths}?batch=1&input=%7B%7D`, headers: user.auth });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
  });

  it('after the whole corpus the schedules are unchanged and no run was queued', async () => {
    expect(trpcData(await trpcQuery(app, 'schedules.list', undefined, user.auth))).toEqual(before);
    const [runs] = await queryRows<{ count: number }>(database.db, sql`SELECT count(*)::int AS count FROM job_runs`);
    expect(runs?.count).toBe(0);
  });
});
