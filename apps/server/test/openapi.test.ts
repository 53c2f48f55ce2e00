import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/openapi/document.ts';
import { createTestUser, startAppWithScheduler, type TestUser } from './support.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

type Operation = { responses: Record<string, { content?: { 'application/json': { schema: unknown } } }> };

/** Checks a real answer against the document's schema for that path, method and status. */
function conforms(path: string, method: string, response: LightMyRequestResponse): void {
  const paths = openApiDocument.paths as unknown as Record<string, Record<string, Operation>>;
  const operation = paths[path]?.[method];
  expect(operation, `${method} ${path} is documented`).toBeDefined();
  const documented = operation?.responses[String(response.statusCode)];
  expect(documented, `${method} ${path} documents status ${response.statusCode}`).toBeDefined();
  const schema = documented?.content?.['application/json'].schema;
  if (!schema) return;
  const validate = ajv.compile({ ...(schema as object), components: openApiDocument.components });
  const body = response.json();
  expect(validate(body), `${method} ${path} ${response.statusCode}: ${ajv.errorsText(validate.errors)}\n${response.body}`).toBe(
    true,
  );
}

describe.each(BACKENDS)('OpenAPI document against real answers on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let stop: () => Promise<void>;
  let user: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const started = await startAppWithScheduler(database);
    ({ app, stop } = started);
    user = await createTestUser(database, 'openapi');
    admin = await createTestUser(database, 'openapi-admin', 'admin');
  });
  afterAll(async () => {
    await stop?.();
    await database?.dispose();
  });

  it('is served at /api/openapi.json as OpenAPI 3.1 covering every REST path', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    const routes = app.printRoutes({ commonPrefix: false });
    for (const path of Object.keys(document.paths)) {
      const fastifyPath = path.replace(/\{(\w+)\}/g, ':$1');
      expect(routes.includes(fastifyPath.split('/').pop() ?? ''), `${path} is a real route`).toBe(true);
    }
  });

  it('describes every answer of the schedules, runs, KPI, token and auth paths', async () => {
    const as = (who: TestUser) => ({ headers: who.auth });
    conforms('/api/schedules', 'get', await app.inject({ method: 'GET', url: '/api/schedules', ...as(user) }));
    conforms('/api/schedules', 'get', await app.inject({ method: 'GET', url: '/api/schedules' }));
    conforms(
      '/api/schedules/{service}',
      'put',
      await app.inject({
        method: 'PUT',
        url: '/api/schedules/ga4',
        payload: { cron: '15 6 * * 1-5', timezone: 'Europe/Paris', enabled: true },
        ...as(user),
      }),
    );
    conforms(
      '/api/schedules/{service}',
      'put',
      await app.inject({ method: 'PUT', url: '/api/schedules/ga4', payload: { cron: 'nope' }, ...as(user) }),
    );
    const run = await app.inject({ method: 'POST', url: '/api/schedules/meta/run', ...as(user) });
    conforms('/api/schedules/{service}/run', 'post', run);
    conforms(
      '/api/schedules/{service}/run',
      'post',
      await app.inject({ method: 'POST', url: '/api/schedules/meta/run', ...as(user) }),
    );
    conforms(
      '/api/schedules/preview',
      'get',
      await app.inject({ method: 'GET', url: '/api/schedules/preview?cron=0%202%20*%20*%20*&timezone=UTC' }),
    );
    const runId = Number((run.json().data.jobId as string).slice(4));
    for (let i = 0; i < 100; i++) {
      const status = (await app.inject({ method: 'GET', url: `/api/runs/${runId}`, ...as(user) })).json().data.status;
      if (status === 'succeeded') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    conforms('/api/runs', 'get', await app.inject({ method: 'GET', url: '/api/runs?limit=5', ...as(user) }));
    conforms('/api/runs/{id}', 'get', await app.inject({ method: 'GET', url: `/api/runs/${runId}`, ...as(user) }));
    conforms('/api/runs/{id}', 'get', await app.inject({ method: 'GET', url: `/api/runs/${runId}`, ...as(admin) }));
    conforms('/api/runs/stats', 'get', await app.inject({ method: 'GET', url: '/api/runs/stats', ...as(user) }));
    conforms('/api/kpis', 'get', await app.inject({ method: 'GET', url: '/api/kpis', ...as(user) }));
    const created = await app.inject({ method: 'POST', url: '/api/tokens', payload: { name: 'reporting' }, ...as(user) });
    conforms('/api/tokens', 'post', created);
    conforms('/api/tokens', 'get', await app.inject({ method: 'GET', url: '/api/tokens', ...as(user) }));
    conforms(
      '/api/tokens/{id}',
      'delete',
      await app.inject({ method: 'DELETE', url: `/api/tokens/${created.json().data.apiToken.id}`, ...as(user) }),
    );
    conforms('/api/tokens/{id}', 'delete', await app.inject({ method: 'DELETE', url: '/api/tokens/999999', ...as(user) }));
    conforms('/api/auth/me', 'get', await app.inject({ method: 'GET', url: '/api/auth/me', ...as(user) }));
    conforms(
      '/api/auth/login',
      'post',
      await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: 'password-123' } }),
    );
    conforms(
      '/api/auth/login',
      'post',
      await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: 'wrong' } }),
    );
    conforms('/api/auth/logout', 'post', await app.inject({ method: 'POST', url: '/api/auth/logout' }));
    conforms('/api/scheduler/stats', 'get', await app.inject({ method: 'GET', url: '/api/scheduler/stats', ...as(admin) }));
    conforms('/api/scheduler/stats', 'get', await app.inject({ method: 'GET', url: '/api/scheduler/stats', ...as(user) }));
  });

  it('would catch a drift: a body missing a documented field fails validation', () => {
    const schema = (
      openApiDocument.paths['/api/schedules'].get.responses['200'].content['application/json'] as { schema: object }
    ).schema;
    const validate = ajv.compile({ ...schema, components: openApiDocument.components });
    const drifted = { success: true, data: [{ id: 1, service: 'meta', cron: '0 2 * * *', enabled: true, timezone: 'UTC' }] };
    expect(validate(drifted)).toBe(false);
  });
});
