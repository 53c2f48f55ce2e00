import { openTestDatabase, type TestDatabase } from '@kpi/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPC_MAX_BATCH_SIZE } from '../src/plugins/trpc.ts';
import { buildTestApp, createTestUser, type TestUser } from './support.ts';

// Property-based attack on the write paths: whatever arrives, the answer is a 4xx or 2xx in our error
// shape, never a 5xx, never a stack or SQL text. Runs on PGlite (embedded) to keep the case count high.
const JSONISH = fc.jsonValue({ maxDepth: 3 });
const CRON = fc.oneof(
  fc.string({ maxLength: 110 }),
  fc.constantFrom('0 2 * * *', '* * * * *', '0 0 30 2 *', '*/0 * * * *', '1 2 3 4 5 6 7'),
);
const ZONE = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('UTC', 'Asia/Kolkata', 'Mars/Base', '+05:30', ''));
const BODY = fc.oneof(
  fc.record(
    { cron: fc.oneof(CRON, JSONISH), timezone: fc.oneof(ZONE, JSONISH), enabled: fc.oneof(fc.boolean(), JSONISH) },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ maxLength: 12 }), JSONISH, { maxKeys: 5 }),
  JSONISH,
);

function assertSafe(status: number, body: string): void {
  expect(status, body).toBeLessThan(500);
  expect(body).not.toMatch(/at .+\.ts:\d+|SELECT |INSERT |relation "|syntax error at/);
}

describe('fuzzing the HTTP write paths (PGlite)', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let user: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    app = await buildTestApp(database);
    user = await createTestUser(database, 'fuzz');
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  it('PUT /api/schedules/:service answers every body with 2xx/4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom('meta', 'ga4', 'shopify'), fc.string({ maxLength: 20 })),
        BODY,
        async (service, body) => {
          const response = await app.inject({
            method: 'PUT',
            url: `/api/schedules/${encodeURIComponent(service)}`,
            headers: { ...user.auth, 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
          assertSafe(response.statusCode, response.body);
          if (response.statusCode >= 400)
            expect(response.json()).toMatchObject({ success: false, error: { code: expect.any(String) } });
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('raw bytes as a body never crash the parser', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 300 }),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        async (raw, type) => {
          const response = await app.inject({
            method: 'PUT',
            url: '/api/schedules/meta',
            headers: { ...user.auth, 'content-type': type },
            payload: raw,
          });
          assertSafe(response.statusCode, response.body);
        },
      ),
      { numRuns: 800 },
    );
  });

  it('tRPC schedules.update and preview answer every input with 2xx/4xx', async () => {
    await fc.assert(
      fc.asyncProperty(BODY, async (body) => {
        const input = typeof body === 'object' && body !== null && !Array.isArray(body) ? { service: 'meta', ...body } : body;
        const update = await app.inject({
          method: 'POST',
          url: '/trpc/schedules.update',
          headers: user.auth,
          payload: input as object,
        });
        assertSafe(update.statusCode, update.body);
        const preview = await app.inject({
          method: 'GET',
          url: `/trpc/schedules.preview?input=${encodeURIComponent(JSON.stringify(body))}`,
        });
        assertSafe(preview.statusCode, preview.body);
      }),
      { numRuns: 700 },
    );
  });

  it('caps tRPC batches', async () => {
    const calls = Array.from({ length: TRPC_MAX_BATCH_SIZE + 1 }, () => 'schedules.list').join(',');
    const response = await app.inject({ method: 'GET', url: `/trpc/${calls}?batch=1`, headers: user.auth });
    expect(response.statusCode).toBe(400);
    const ok = Array.from({ length: TRPC_MAX_BATCH_SIZE }, () => 'schedules.list').join(',');
    expect((await app.inject({ method: 'GET', url: `/trpc/${ok}?batch=1`, headers: user.auth })).statusCode).toBe(200);
  });
});
