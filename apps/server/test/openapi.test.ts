import type { ApiDeps } from '@kpi/api';
import { connectorsPort, SecretBox } from '@kpi/connectors';
import { queryRows, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, LightMyRequestResponse, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fakes, fakeSettings, startFakes } from '../../../packages/connectors/test/support.ts';
import { startWebhookReceiver } from '../../../packages/notifications/test/receivers.ts';
import { notificationsPort } from '../src/notifications.ts';
import { startFlow } from './oauth-flow.ts';
import { buildTestApp, createTestUser, startAppWithScheduler, type TestUser, testDeps } from './support.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

type Response = {
  content?: { 'application/json': { schema: object } };
  headers?: { Location?: { required: boolean } };
};
type Document = {
  openapi: string;
  components: Record<string, unknown>;
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
};

const META_TOKEN = 'EAAG-openapi-pasted-token-1234';
const SPREADSHEET = '1OpenApiSheetIdAbc';

describe.each(BACKENDS)('OpenAPI document against the route table and real answers on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  let app: FastifyInstance;
  let keyless: FastifyInstance;
  let stop: () => Promise<void>;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let user: TestUser;
  let admin: TestUser;
  let document: Document;
  const registered: string[] = [];
  /** `METHOD path` → the statuses whose answers were checked against the document. */
  const checked = new Map<string, Set<number>>();

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    fakes.meta.tokens.add(META_TOKEN);
    const settings = fakeSettings(fakes);
    const box = SecretBox.fromBase64(Buffer.alloc(32, 5).toString('base64'));
    hooks = await startWebhookReceiver(() => '');
    const channels = { webhook: { allowPrivate: true }, now: () => new Date() };
    const deps: ApiDeps = {
      ...testDeps(database),
      connectors: connectorsPort({ settings, box }),
      notifications: notificationsPort({ box, channels, allowPrivate: true }),
    };
    const collect = (route: RouteOptions) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') registered.push(`${method} ${route.url}`);
    };
    ({ app, stop } = await startAppWithScheduler(database, { deps, onRoute: collect }));
    // Without SECRETS_KEY the port exists but cannot seal: saving a credential answers 503.
    keyless = await buildTestApp(database, {
      deps: { ...testDeps(database), connectors: connectorsPort({ settings }) },
    });
    user = await createTestUser(database, 'openapi');
    admin = await createTestUser(database, 'openapi-admin', 'admin');
    document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
  });
  afterAll(async () => {
    await stop?.();
    await keyless?.close();
    await hooks?.close();
    await fakes?.close();
    await database?.dispose();
  });

  /** Checks a real answer against the document's entry for that method, path and status. */
  function conforms(method: string, path: string, response: LightMyRequestResponse): LightMyRequestResponse {
    const documented = document.paths[path]?.[method.toLowerCase()]?.responses[String(response.statusCode)];
    expect(documented, `${method} ${path} documents status ${response.statusCode}: ${response.body}`).toBeDefined();
    const key = `${method} ${path}`;
    checked.set(key, (checked.get(key) ?? new Set()).add(response.statusCode));
    if (documented?.headers?.Location) expect(response.headers.location, `${key} redirects`).toBeTruthy();
    const schema = documented?.content?.['application/json'].schema;
    if (!schema) return response;
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const validate = ajv.compile({ ...schema, components: document.components });
    expect(validate(response.json()), `${key} ${response.statusCode}: ${ajv.errorsText(validate.errors)}\n${response.body}`).toBe(
      true,
    );
    return response;
  }

  const call = (
    target: FastifyInstance,
    method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    who?: TestUser,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    target.inject({
      method,
      url,
      headers: { ...(who?.auth ?? {}), ...headers },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

  it('is OpenAPI 3.1 and documents exactly the routes Fastify registered under /api/', () => {
    expect(document.openapi).toBe('3.1.0');
    const toFastify = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${toFastify(path)}`),
    );
    const api = registered.filter((route) => route.split(' ')[1]?.startsWith('/api/'));
    expect(api.length).toBeGreaterThanOrEqual(27);
    expect(documented.filter((route) => route.includes(' /api/')).sort()).toEqual([...new Set(api)].sort());
    // The health paths are documented too, and must exist.
    for (const route of documented) expect(registered, `${route} is a real route`).toContain(route);
  });

  it('describes the answers of the auth, schedule, run, KPI, token and scheduler paths', async () => {
    const signedIn = conforms(
      'POST',
      '/api/auth/login',
      await call(app, 'POST', '/api/auth/login', undefined, { email: user.email, password: 'password-123' }),
    );
    conforms(
      'POST',
      '/api/auth/login',
      await call(app, 'POST', '/api/auth/login', undefined, { email: user.email, password: 'wrong' }),
    );
    // A cookie-authenticated write from another site is refused before the route runs.
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0] as string;
    const crossSite = await call(app, 'POST', '/api/auth/logout', undefined, undefined, {
      cookie,
      'sec-fetch-site': 'cross-site',
    });
    expect(conforms('POST', '/api/auth/logout', crossSite).statusCode).toBe(403);
    conforms('POST', '/api/auth/logout', await call(app, 'POST', '/api/auth/logout', undefined, undefined, { cookie }));
    conforms('GET', '/api/auth/me', await call(app, 'GET', '/api/auth/me', user));
    conforms('GET', '/api/auth/me', await call(app, 'GET', '/api/auth/me'));
    const passwordUser = await createTestUser(database, 'openapi-password');
    conforms(
      'POST',
      '/api/auth/password',
      await call(app, 'POST', '/api/auth/password', passwordUser, {
        current_password: 'wrong-one',
        new_password: 'a new password',
      }),
    );
    conforms(
      'POST',
      '/api/auth/password',
      await call(app, 'POST', '/api/auth/password', passwordUser, {
        current_password: 'password-123',
        new_password: 'a new password',
      }),
    );

    conforms('GET', '/api/schedules', await call(app, 'GET', '/api/schedules', user));
    conforms('GET', '/api/schedules', await call(app, 'GET', '/api/schedules'));
    conforms(
      'GET',
      '/api/schedules/preview',
      await call(app, 'GET', '/api/schedules/preview?cron=0%202%20*%20*%20*&timezone=UTC'),
    );
    conforms('GET', '/api/schedules/preview', await call(app, 'GET', '/api/schedules/preview?cron=nope&timezone=UTC'));
    const put = '/api/schedules/{service}';
    conforms(
      'PUT',
      put,
      await call(app, 'PUT', '/api/schedules/ga4', user, { cron: '15 6 * * 1-5', timezone: 'Europe/Paris', enabled: true }),
    );
    conforms('PUT', put, await call(app, 'PUT', '/api/schedules/ga4', user, { cron: 'nope' }));
    conforms('PUT', put, await call(app, 'PUT', '/api/schedules/ga4', user, 'cron=x', { 'content-type': 'text/plain' }));
    conforms('PUT', put, await call(app, 'PUT', '/api/schedules/ga4', user, { cron: 'x'.repeat(70_000) }));

    const run = conforms('POST', '/api/schedules/{service}/run', await call(app, 'POST', '/api/schedules/meta/run', user));
    // 409 while the first is still queued or running, 200 if the scheduler already finished it: both are documented.
    conforms('POST', '/api/schedules/{service}/run', await call(app, 'POST', '/api/schedules/meta/run', user));
    conforms('POST', '/api/schedules/{service}/run', await call(app, 'POST', '/api/schedules/tiktok/run', user));
    const runId = Number((run.json().data.jobId as string).slice(4));
    await waitFor(async () => (await call(app, 'GET', `/api/runs/${runId}`, user)).json().data.status === 'succeeded');
    conforms('GET', '/api/runs', await call(app, 'GET', '/api/runs?limit=5', user));
    conforms('GET', '/api/runs', await call(app, 'GET', '/api/runs?limit=0', user));
    conforms('GET', '/api/runs/{id}', await call(app, 'GET', `/api/runs/${runId}`, user));
    conforms('GET', '/api/runs/{id}', await call(app, 'GET', `/api/runs/${runId}`, admin));
    conforms('GET', '/api/runs/stats', await call(app, 'GET', '/api/runs/stats', user));
    conforms('GET', '/api/runs/stats', await call(app, 'GET', '/api/runs/stats'));
    const backfillPath = '/api/schedules/{service}/backfill';
    const yesterday = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const yearAgo = new Date(Date.now() - 360 * 86_400_000).toISOString().slice(0, 10);
    conforms(
      'POST',
      backfillPath,
      await call(app, 'POST', '/api/schedules/ga4/backfill', user, { from: yearAgo, to: yesterday }),
    );
    // A backfill not due until tomorrow, so the running scheduler leaves it queued for the cancel.
    const [waiting] = await withService(database.db, (tx) =>
      queryRows<{ id: string }>(
        tx,
        sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, run_after, range_from, range_to, progress_done, progress_total)
            VALUES (${user.id}, 'shopify', 'backfill', now(), 'queued', now() + interval '1 day', ${yearAgo}, ${yesterday}, 0, 10)
            RETURNING id`,
      ),
    );
    conforms('POST', '/api/runs/{id}/cancel', await call(app, 'POST', `/api/runs/${waiting?.id}/cancel`, user));
    conforms('POST', '/api/runs/{id}/cancel', await call(app, 'POST', `/api/runs/${runId}/cancel`, user));
    conforms('POST', '/api/runs/{id}/cancel', await call(app, 'POST', '/api/runs/999999999/cancel', user));
    conforms(
      'POST',
      backfillPath,
      await call(app, 'POST', '/api/schedules/ga4/backfill', user, { from: yesterday, to: yearAgo }),
    );
    conforms('POST', backfillPath, await call(app, 'POST', '/api/schedules/ga4/backfill', user, { from: yearAgo }));
    const kpis = conforms('GET', '/api/kpis', await call(app, 'GET', '/api/kpis', user));
    expect(kpis.json().data.length).toBeGreaterThan(0);
    conforms('GET', '/api/kpis', await call(app, 'GET', '/api/kpis'));
    const history = conforms(
      'GET',
      '/api/kpis/history',
      await call(app, 'GET', '/api/kpis/history?service=meta&from=2024-01-01&to=2024-01-07', user),
    );
    expect(history.json().data.days).toHaveLength(7);
    conforms(
      'GET',
      '/api/kpis/history',
      await call(app, 'GET', '/api/kpis/history?service=meta&from=2024-01-07&to=2024-01-01', user),
    );

    const created = conforms('POST', '/api/tokens', await call(app, 'POST', '/api/tokens', user, { name: 'reporting' }));
    conforms('POST', '/api/tokens', await call(app, 'POST', '/api/tokens', user, { name: '' }));
    conforms('GET', '/api/tokens', await call(app, 'GET', '/api/tokens', user));
    conforms('GET', '/api/tokens', await call(app, 'GET', '/api/tokens'));
    conforms('DELETE', '/api/tokens/{id}', await call(app, 'DELETE', `/api/tokens/${created.json().data.apiToken.id}`, user));
    conforms('DELETE', '/api/tokens/{id}', await call(app, 'DELETE', '/api/tokens/999999', user));
    conforms('GET', '/api/scheduler/stats', await call(app, 'GET', '/api/scheduler/stats', admin));
    conforms('GET', '/api/scheduler/stats', await call(app, 'GET', '/api/scheduler/stats', user));
    conforms('GET', '/api/openapi.json', await call(app, 'GET', '/api/openapi.json'));
  });

  it('describes the answers of the connections, sheets and OAuth paths', async () => {
    const one = '/api/connections/{service}';
    conforms('GET', '/api/connections', await call(app, 'GET', '/api/connections', user));
    conforms('GET', '/api/connections', await call(app, 'GET', '/api/connections'));
    const credential = { kind: 'access_token', access_token: META_TOKEN };
    conforms('PUT', one, await call(app, 'PUT', '/api/connections/meta', user, { account_id: 'act_1234', credential }));
    conforms('PUT', one, await call(app, 'PUT', '/api/connections/meta', user, { account_id: 'act_1234', user_id: 1 }));
    conforms('PUT', one, await call(keyless, 'PUT', '/api/connections/meta', user, { account_id: 'act_1234', credential }));
    const tested = conforms('POST', `${one}/test`, await call(app, 'POST', '/api/connections/meta/test', user));
    expect(tested.json().data.ok).toBe(true);
    conforms('POST', `${one}/test`, await call(app, 'POST', '/api/connections/ga4/test', user));
    conforms('GET', '/api/connections', await call(app, 'GET', '/api/connections', user));
    conforms('DELETE', one, await call(app, 'DELETE', '/api/connections/meta', user));
    conforms('DELETE', one, await call(app, 'DELETE', '/api/connections/meta', user));

    const start = '/api/connections/{service}/oauth/start';
    conforms('GET', start, await call(app, 'GET', '/api/connections/shopify/oauth/start?account_id=my-shop.myshopify.com', user));
    conforms('GET', start, await call(app, 'GET', '/api/connections/shopify/oauth/start?account_id=evil.example', user));
    conforms('GET', '/api/oauth/callback', await call(app, 'GET', '/api/oauth/callback?state=forged&code=x', user));
    // The user declined at the provider: the callback sends the browser back to the UI with the reason.
    const flow = await startFlow(app, user, '/api/connections/meta/oauth/start?account_id=act_99');
    const declined = await call(app, 'GET', `/api/oauth/callback?state=${flow.state}&error=access_denied`, user, undefined, {
      cookie: flow.cookie,
    });
    expect(conforms('GET', '/api/oauth/callback', declined).headers.location).toMatch(/^\/connections\?error=/);

    conforms('GET', '/api/sheets', await call(app, 'GET', '/api/sheets', user));
    conforms('GET', '/api/sheets', await call(app, 'GET', '/api/sheets'));
    conforms('POST', '/api/sheets/test', await call(app, 'POST', '/api/sheets/test', user));
    conforms('DELETE', '/api/sheets', await call(app, 'DELETE', '/api/sheets', user));
    fakes.sheets.addSpreadsheet(SPREADSHEET, ['Meta', 'GA4', 'Shopify']);
    const sheet = {
      spreadsheet_id: SPREADSHEET,
      credential: { kind: 'oauth_refresh', refresh_token: fakes.google.issueRefreshToken() },
    };
    conforms('PUT', '/api/sheets', await call(app, 'PUT', '/api/sheets', user, sheet));
    conforms('PUT', '/api/sheets', await call(app, 'PUT', '/api/sheets', user, { spreadsheet_id: 'short' }));
    conforms('PUT', '/api/sheets', await call(keyless, 'PUT', '/api/sheets', admin, sheet));
    conforms('GET', '/api/sheets', await call(app, 'GET', '/api/sheets', user));
    conforms('POST', '/api/sheets/test', await call(app, 'POST', '/api/sheets/test', user));
    conforms('DELETE', '/api/sheets', await call(app, 'DELETE', '/api/sheets', user));
    conforms(
      'GET',
      '/api/sheets/oauth/start',
      await call(app, 'GET', `/api/sheets/oauth/start?spreadsheet_id=${SPREADSHEET}`, user),
    );
    conforms('GET', '/api/sheets/oauth/start', await call(app, 'GET', '/api/sheets/oauth/start?spreadsheet_id=x', user));
  });

  it('describes the answers of the notifications paths', async () => {
    conforms('GET', '/api/notifications', await call(app, 'GET', '/api/notifications', user));
    conforms('GET', '/api/notifications', await call(app, 'GET', '/api/notifications'));
    const saved = conforms(
      'PUT',
      '/api/notifications',
      await call(app, 'PUT', '/api/notifications', user, { webhook_url: hooks.url }),
    );
    expect(saved.json().data.webhook_secret).toBeTruthy();
    conforms('PUT', '/api/notifications', await call(app, 'PUT', '/api/notifications', user, { events: ['nope'] }));
    conforms('PUT', '/api/notifications', await call(keyless, 'PUT', '/api/notifications', user, { webhook_url: hooks.url }));
    conforms('POST', '/api/notifications/test', await call(app, 'POST', '/api/notifications/test', user));
    conforms('POST', '/api/notifications/test', await call(app, 'POST', '/api/notifications/test'));
    conforms('GET', '/api/notifications/deliveries', await call(app, 'GET', '/api/notifications/deliveries?limit=5', user));
    conforms('GET', '/api/notifications/deliveries', await call(app, 'GET', '/api/notifications/deliveries?limit=0', user));
  });

  it('describes the answers of the admin paths and sign out everywhere', async () => {
    const leaving = await createTestUser(database, 'openapi-everywhere');
    const session = await call(app, 'POST', '/api/auth/login', undefined, { email: leaving.email, password: 'password-123' });
    const cookie = String(session.headers['set-cookie']).split(';')[0] as string;
    const everywhere = '/api/auth/sign-out-everywhere';
    conforms('POST', everywhere, await call(app, 'POST', everywhere, undefined, undefined, { cookie }));
    conforms('POST', everywhere, await call(app, 'POST', everywhere));

    conforms('GET', '/api/admin/users', await call(app, 'GET', '/api/admin/users', admin));
    conforms('GET', '/api/admin/users', await call(app, 'GET', '/api/admin/users', user));
    const made = conforms(
      'POST',
      '/api/admin/users',
      await call(app, 'POST', '/api/admin/users', admin, {
        email: `openapi-made-${Date.now()}@example.test`,
        password: 'made-pass-1',
      }),
    );
    conforms('POST', '/api/admin/users', await call(app, 'POST', '/api/admin/users', admin, { email: 'x', password: 'y' }));
    const one = '/api/admin/users/{id}';
    conforms('PATCH', one, await call(app, 'PATCH', `/api/admin/users/${made.json().data.id}`, admin, { disabled: true }));
    conforms('PATCH', one, await call(app, 'PATCH', '/api/admin/users/2000000000', admin, { disabled: true }));
    conforms('PATCH', one, await call(app, 'PATCH', `/api/admin/users/${user.id}`, user, { role: 'admin' }));
    conforms('GET', '/api/admin/audit', await call(app, 'GET', '/api/admin/audit?limit=5', admin));
    conforms('GET', '/api/admin/audit', await call(app, 'GET', '/api/admin/audit?limit=0', admin));
    conforms('GET', '/api/admin/fleet', await call(app, 'GET', '/api/admin/fleet', admin));
    conforms('GET', '/api/admin/fleet', await call(app, 'GET', '/api/admin/fleet', user));
  });

  it('checked a success and an error answer of every documented /api/ route', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith('/api/')) continue;
      for (const method of Object.keys(operations)) {
        const key = `${method.toUpperCase()} ${path}`;
        const statuses = [...(checked.get(key) ?? [])];
        expect(
          statuses.some((status) => status < 400),
          `${key} had a success checked`,
        ).toBe(true);
        // This document itself has no error answer a test can reach without breaking the server.
        if (path !== '/api/openapi.json')
          expect(
            statuses.some((status) => status >= 400),
            `${key} had an error checked`,
          ).toBe(true);
      }
    }
  });

  it('would catch a drift: a real answer missing a documented field fails validation', async () => {
    const schema = document.paths['/api/schedules']?.get?.responses['200']?.content?.['application/json'].schema as object;
    const validate = ajv.compile({ ...schema, components: document.components });
    const real = (await call(app, 'GET', '/api/schedules', user)).json();
    expect(validate(real)).toBe(true);
    const { next_run_at: _dropped, ...drifted } = real.data[0];
    expect(validate({ ...real, data: [drifted, ...real.data.slice(1)] })).toBe(false);
    // An error body without its code fails too.
    const errorSchema = ajv.compile({ $ref: '#/components/schemas/Error', components: document.components });
    expect(errorSchema({ success: false, error: { message: 'x' } })).toBe(false);
  });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not met in time');
}
