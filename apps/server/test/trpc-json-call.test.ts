import { appRouter, type Context } from '@kpi/api';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPC_MAX_BATCH_SIZE } from '../src/plugins/trpc.ts';
import { answerJsonCall } from '../src/plugins/trpc-json-call.ts';
import { buildTestApp, createTestUser, type TestUser, testDeps } from './support.ts';

/**
 * The lean tRPC host against tRPC's own fetch handler: for every request below both must give the same
 * status and the same JSON, so typed clients cannot tell them apart.
 */
type Case = {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: string;
  viewer?: 'user' | 'none';
};

const enc = (value: unknown) => JSON.stringify(value);
const update = { service: 'meta', cron: '0 6 * * *', timezone: 'Europe/Berlin', enabled: true };
const CASES: Case[] = [
  { name: 'a query with no input', method: 'GET', path: 'schedules.list' },
  { name: 'a query with input', method: 'GET', path: 'runs.list', query: { input: enc({ limit: 5 }) } },
  { name: 'a query with invalid input', method: 'GET', path: 'runs.list', query: { input: enc({ limit: -1 }) } },
  {
    name: 'a public query',
    method: 'GET',
    path: 'schedules.preview',
    query: { input: enc({ cron: '*/5 * * * *', timezone: 'UTC' }) },
  },
  {
    name: 'a cron the server refuses',
    method: 'GET',
    path: 'schedules.preview',
    query: { input: enc({ cron: '61 * * * *', timezone: 'UTC' }) },
  },
  {
    name: 'a zone the server refuses',
    method: 'GET',
    path: 'schedules.preview',
    query: { input: enc({ cron: '0 * * * *', timezone: 'Mars/Base' }) },
  },
  { name: 'a batch of queries', method: 'GET', path: 'schedules.list,schedules.limits', query: { batch: '1', input: '{}' } },
  {
    name: 'a batch with one failing call (207)',
    method: 'GET',
    path: 'schedules.list,runs.list',
    query: { batch: '1', input: enc({ 1: { limit: 0 } }) },
  },
  { name: 'a batch with no input', method: 'GET', path: 'schedules.list,schedules.limits', query: { batch: '1' } },
  { name: 'a batch whose input is an array', method: 'GET', path: 'schedules.list', query: { batch: '1', input: '[1]' } },
  { name: 'a batch whose input is a number', method: 'GET', path: 'schedules.list', query: { batch: '1', input: '7' } },
  {
    name: 'a batch whose input is an array, to a procedure with input',
    method: 'GET',
    path: 'runs.list',
    query: { batch: '1', input: '[{"limit":2}]' },
  },
  {
    name: 'a batch whose input is a string, to a procedure with input',
    method: 'GET',
    path: 'runs.list',
    query: { batch: '1', input: '"x"' },
  },
  { name: 'a batch whose input is null', method: 'GET', path: 'runs.list,schedules.list', query: { batch: '1', input: 'null' } },
  { name: 'a mutation that takes no input', method: 'POST', path: 'sheets.remove', body: '{}' },
  {
    name: 'a batch over the limit',
    method: 'GET',
    path: Array.from({ length: TRPC_MAX_BATCH_SIZE + 1 }, () => 'schedules.list').join(','),
    query: { batch: '1' },
  },
  {
    name: 'a batch at the limit',
    method: 'GET',
    path: Array.from({ length: TRPC_MAX_BATCH_SIZE }, () => 'schedules.limits').join(','),
    query: { batch: '1' },
  },
  {
    name: 'a batch mixing a query and a mutation',
    method: 'GET',
    path: 'schedules.list,schedules.update',
    query: { batch: '1' },
  },
  { name: 'an unknown procedure', method: 'GET', path: 'schedules.drop' },
  { name: 'an unknown procedure in a batch', method: 'GET', path: 'schedules.list,nothing.here', query: { batch: '1' } },
  { name: 'a router instead of a procedure', method: 'GET', path: 'schedules' },
  { name: 'a percent-encoded path', method: 'GET', path: 'schedules%2Elist' },
  { name: 'a mutation', method: 'POST', path: 'schedules.update', body: enc(update) },
  { name: 'a batched mutation', method: 'POST', path: 'schedules.update', query: { batch: '1' }, body: enc({ 0: update }) },
  {
    name: 'a mutation with invalid input',
    method: 'POST',
    path: 'schedules.update',
    body: enc({ ...update, cron: 'every day' }),
  },
  { name: 'a mutation called by GET', method: 'GET', path: 'schedules.update', query: { input: enc(update) } },
  { name: 'a query called by POST', method: 'POST', path: 'schedules.list', body: '{}' },
  { name: 'no credentials', method: 'GET', path: 'schedules.list', viewer: 'none' },
  {
    name: 'no credentials in a batch',
    method: 'GET',
    path: 'schedules.list,schedules.limits',
    query: { batch: '1' },
    viewer: 'none',
  },
  { name: 'an administrator procedure as a user', method: 'GET', path: 'scheduler.stats' },
];

// Timestamps of a mutation differ between the two calls; everything else must match.
const normalise = (text: string) => JSON.parse(text.replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"<time>"'));

describe('the lean tRPC host answers as tRPC does', () => {
  let database: TestDatabase;
  let user: TestUser;
  const contextFor = (which: Case['viewer']): Context => ({
    deps: testDeps(database),
    viewer: which === 'none' ? null : { id: user.id, email: user.email, role: user.role },
  });

  beforeAll(async () => {
    database = await openTestDatabase(BACKENDS[0] ?? 'pglite');
    user = await createTestUser(database);
  });
  afterAll(async () => {
    await database?.close();
  });

  it.each(CASES)('$name', async (testCase) => {
    const query = new URLSearchParams(testCase.query);
    const search = query.size > 0 ? `?${query}` : '';
    const ctx = contextFor(testCase.viewer);
    const theirs = await fetchRequestHandler({
      endpoint: '/trpc',
      req: new Request(`http://localhost/trpc/${testCase.path}${search}`, {
        method: testCase.method,
        headers: testCase.method === 'POST' ? { 'content-type': 'application/json' } : {},
        body: testCase.body,
      }),
      router: appRouter,
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      createContext: () => ctx,
    });
    const errorsSeen: string[] = [];
    const ours = await answerJsonCall({
      router: appRouter,
      method: testCase.method,
      rawPath: testCase.path,
      query,
      body: testCase.body,
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      ctx,
      onError: ({ error }) => errorsSeen.push(error.code),
    });
    const theirBody = normalise(await theirs.text());
    expect({ status: ours.status, body: normalise(ours.body) }).toEqual({ status: theirs.status, body: theirBody });
    // Every error in the answer was reported to onError, once.
    const answered = (Array.isArray(theirBody) ? theirBody : [theirBody]).filter((item) => 'error' in item);
    expect(errorsSeen).toHaveLength(answered.length);
  });

  it('answers input that is not JSON with a 400 per call, and an empty body as no input', async () => {
    const ctx = contextFor('user');
    const call = (body: string | undefined, path = 'schedules.preview', method: 'GET' | 'POST' = 'POST') =>
      answerJsonCall({
        router: appRouter,
        method,
        rawPath: path,
        query: new URLSearchParams(method === 'GET' && body !== undefined ? { input: body } : {}),
        body: method === 'POST' ? body : undefined,
        maxBatchSize: TRPC_MAX_BATCH_SIZE,
        ctx,
        onError: () => undefined,
      });
    const broken = await call('{"cron":', 'schedules.preview', 'GET');
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body).error).toMatchObject({
      message: 'The input is not valid JSON',
      data: { appCode: 'VALIDATION_ERROR' },
    });
    // A mutation that takes no input may come with an empty body, where tRPC's handler fails to parse it:
    // the procedure runs, and answers that this user has no Sheet to remove.
    const empty = await call('', 'sheets.remove');
    expect(empty.status).toBe(404);
    expect(JSON.parse(empty.body).error.data.appCode).toBe('NOT_FOUND');
  });

  it('refuses a malformed percent-encoding in the path with a 400', async () => {
    const answer = await answerJsonCall({
      router: appRouter,
      method: 'GET',
      rawPath: 'schedules%E0%A4%A.list',
      query: new URLSearchParams(),
      body: undefined,
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      ctx: contextFor('user'),
      onError: () => undefined,
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error.data.appCode).toBe('VALIDATION_ERROR');
  });
});

describe('tRPC over HTTP', () => {
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
