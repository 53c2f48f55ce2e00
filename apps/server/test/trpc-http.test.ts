import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPC_MAX_BATCH_SIZE } from '../src/plugins/trpc.ts';
import { buildTestApp, createTestUser, type TestUser } from './support.ts';

/**
 * tRPC's protocol as the typed clients meet it over HTTP: statuses, batch rules and error shapes for
 * success, bad input, unknown procedures, wrong methods and missing credentials.
 */
type Answer = { result?: { data: unknown }; error?: { message: string; code: number; data: { code: string; appCode?: string } } };
type Case = {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: string;
  viewer?: 'user' | 'none';
  status: number;
  /** tRPC error code of each call, or 'ok', in order. */
  outcomes: string[];
};

const enc = (value: unknown) => JSON.stringify(value);
const update = { service: 'meta', cron: '0 6 * * *', timezone: 'Europe/Berlin', enabled: true };
const times = (count: number, path: string) => Array.from({ length: count }, () => path).join(',');
const CASES: Case[] = [
  { name: 'a query with no input', method: 'GET', path: 'schedules.list', status: 200, outcomes: ['ok'] },
  {
    name: 'a query with input',
    method: 'GET',
    path: 'runs.list',
    query: { input: enc({ limit: 5 }) },
    status: 200,
    outcomes: ['ok'],
  },
  {
    name: 'a query with invalid input',
    method: 'GET',
    path: 'runs.list',
    query: { input: enc({ limit: -1 }) },
    status: 400,
    outcomes: ['BAD_REQUEST'],
  },
  {
    name: 'input that is not JSON',
    method: 'GET',
    path: 'runs.list',
    query: { input: '{"limit":' },
    status: 400,
    outcomes: ['BAD_REQUEST'],
  },
  {
    name: 'a public query',
    method: 'GET',
    path: 'schedules.preview',
    query: { input: enc({ cron: '*/5 * * * *', timezone: 'UTC' }) },
    viewer: 'none',
    status: 200,
    outcomes: ['ok'],
  },
  {
    name: 'a cron the server refuses',
    method: 'GET',
    path: 'schedules.preview',
    query: { input: enc({ cron: '61 * * * *', timezone: 'UTC' }) },
    status: 400,
    outcomes: ['BAD_REQUEST'],
  },
  {
    name: 'a zone the server refuses',
    method: 'GET',
    path: 'schedules.preview',
    query: { input: enc({ cron: '0 * * * *', timezone: 'Mars/Base' }) },
    status: 400,
    outcomes: ['BAD_REQUEST'],
  },
  {
    name: 'a batch of queries',
    method: 'GET',
    path: 'schedules.list,schedules.limits',
    query: { batch: '1', input: '{}' },
    status: 200,
    outcomes: ['ok', 'ok'],
  },
  {
    name: 'a batch with one failing call',
    method: 'GET',
    path: 'schedules.list,runs.list',
    query: { batch: '1', input: enc({ 1: { limit: 0 } }) },
    status: 207,
    outcomes: ['ok', 'BAD_REQUEST'],
  },
  {
    name: 'a batch with no input',
    method: 'GET',
    path: 'schedules.list,schedules.limits',
    query: { batch: '1' },
    status: 200,
    outcomes: ['ok', 'ok'],
  },
  {
    name: 'a batch whose input is an array',
    method: 'GET',
    path: 'runs.list',
    query: { batch: '1', input: '[{"limit":2}]' },
    status: 400,
    outcomes: ['BAD_REQUEST'],
  },
  {
    name: 'a mutation that takes no input, with an empty body',
    method: 'POST',
    path: 'sheets.remove',
    body: '',
    status: 404,
    outcomes: ['NOT_FOUND'],
  },
  {
    name: 'a batch over the limit',
    method: 'GET',
    path: times(TRPC_MAX_BATCH_SIZE + 1, 'schedules.limits'),
    query: { batch: '1' },
    status: 400,
    outcomes: ['BAD_REQUEST'],
  },
  {
    name: 'a batch at the limit',
    method: 'GET',
    path: times(TRPC_MAX_BATCH_SIZE, 'schedules.limits'),
    query: { batch: '1' },
    status: 200,
    outcomes: Array.from({ length: TRPC_MAX_BATCH_SIZE }, () => 'ok'),
  },
  {
    name: 'a batch mixing a query and a mutation',
    method: 'GET',
    path: 'schedules.list,schedules.update',
    query: { batch: '1' },
    status: 400,
    outcomes: ['BAD_REQUEST'],
  },
  { name: 'an unknown procedure', method: 'GET', path: 'schedules.drop', status: 404, outcomes: ['NOT_FOUND'] },
  {
    name: 'an unknown procedure in a batch',
    method: 'GET',
    path: 'schedules.list,nothing.here',
    query: { batch: '1' },
    status: 207,
    outcomes: ['ok', 'NOT_FOUND'],
  },
  { name: 'a router instead of a procedure', method: 'GET', path: 'schedules', status: 404, outcomes: ['NOT_FOUND'] },
  { name: 'a percent-encoded path', method: 'GET', path: 'schedules%2Elist', status: 200, outcomes: ['ok'] },
  { name: 'a mutation', method: 'POST', path: 'schedules.update', body: enc(update), status: 200, outcomes: ['ok'] },
  {
    name: 'a batched mutation',
    method: 'POST',
    path: 'schedules.update',
    query: { batch: '1' },
    body: enc({ 0: update }),
    status: 200,
    outcomes: ['ok'],
  },
  {
    name: 'a mutation with invalid input',
    method: 'POST',
    path: 'schedules.update',
    body: enc({ ...update, cron: 'every day' }),
    status: 400,
    outcomes: ['BAD_REQUEST'],
  },
  {
    name: 'a mutation called by GET',
    method: 'GET',
    path: 'schedules.update',
    query: { input: enc(update) },
    status: 400,
    outcomes: ['METHOD_NOT_SUPPORTED'],
  },
  {
    name: 'a query called by POST',
    method: 'POST',
    path: 'schedules.list',
    body: '{}',
    status: 400,
    outcomes: ['METHOD_NOT_SUPPORTED'],
  },
  { name: 'no credentials', method: 'GET', path: 'schedules.list', viewer: 'none', status: 401, outcomes: ['UNAUTHORIZED'] },
  {
    name: 'no credentials in a batch',
    method: 'GET',
    path: 'schedules.list,schedules.limits',
    query: { batch: '1' },
    viewer: 'none',
    status: 207,
    outcomes: ['UNAUTHORIZED', 'ok'],
  },
  { name: 'an administrator procedure as a user', method: 'GET', path: 'scheduler.stats', status: 403, outcomes: ['FORBIDDEN'] },
];

describe('tRPC protocol over HTTP', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let user: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase(BACKENDS[0] ?? 'pglite');
    app = await buildTestApp(database);
    user = await createTestUser(database);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it.each(CASES)('$name', async (testCase) => {
    const query = new URLSearchParams(testCase.query);
    const search = query.size > 0 ? `?${query}` : '';
    const response = await app.inject({
      method: testCase.method,
      url: `/trpc/${testCase.path}${search}`,
      headers: {
        ...(testCase.viewer === 'none' ? {} : user.auth),
        ...(testCase.method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(testCase.body === undefined ? {} : { payload: testCase.body }),
    });
    expect(response.statusCode).toBe(testCase.status);
    const body = response.json() as Answer | Answer[];
    const answers = Array.isArray(body) ? body : [body];
    expect(answers.map((answer) => answer.error?.data.code ?? 'ok')).toEqual(testCase.outcomes);
    for (const answer of answers) {
      if (!answer.error) continue;
      // Errors carry the API's own code and a message, never a stack trace.
      expect(typeof answer.error.message).toBe('string');
      expect(answer.error.data).not.toHaveProperty('stack');
    }
  });
  it('answers in one JSON body with its length, varying on the accept headers', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/trpc/schedules.list,schedules.limits?batch=1',
      headers: user.auth,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.body)));
    expect(response.headers.vary).toBe('trpc-accept, accept');
    const [list, limits] = response.json() as [{ result: { data: { service: string }[] } }, { result: { data: unknown } }];
    expect(list.result.data.map((schedule) => schedule.service).sort()).toEqual(['ga4', 'meta', 'shopify']);
    expect(limits.result.data).toMatchObject({ minIntervalSeconds: 60 });
  });

  it('streams to a client that asks for JSON Lines (httpBatchStreamLink), through tRPC’s own handler', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/trpc/schedules.list?batch=1',
      headers: { ...user.auth, 'trpc-accept': 'application/jsonl' },
    });
    expect(response.statusCode).toBe(200);
    const lines = response.body.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(response.body).toContain('"service":"shopify"');
  });

  it('answers HEAD with an empty 204, as tRPC does, without running the query', async () => {
    const response = await app.inject({ method: 'HEAD', url: '/trpc/schedules.list', headers: user.auth });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
  });

  it('refuses a POST without a JSON content type', async () => {
    for (const headers of [{}, { 'content-type': 'text/plain' }]) {
      const response = await app.inject({
        method: 'POST',
        url: '/trpc/sheets.remove',
        headers: { ...user.auth, ...headers },
        payload: '{}',
      });
      expect(response.statusCode).toBe(415);
      expect(response.json()).toMatchObject({ success: false, error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    }
  });
});
