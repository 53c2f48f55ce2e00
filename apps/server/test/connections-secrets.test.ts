import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ApiDeps } from '@kpi/api';
import { connectorRegistry, connectorsPort, SecretBox } from '@kpi/connectors';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fakes, fakeSettings, runScheduled, startFakes } from '../../../packages/connectors/test/support.ts';
import { buildApp } from '../src/app.ts';
import { createLogger } from '../src/logger.ts';
import { createTestUser, TEST_PUBLIC_URL, type TestUser, testDeps } from './support.ts';

const run = promisify(execFile);
const META_TOKEN = 'EAAG-leakcheck-meta-PLAINTEXT-4242';
const SHOP_TOKEN = 'shpat_leakcheck_PLAINTEXT_4343';

// pg_dump needs a real server: this suite runs where PostgreSQL does.
describe.each(BACKENDS.filter((backend) => backend === 'postgres'))(
  'no plaintext credential in the dump or the logs (%s)',
  (backend) => {
    let database: TestDatabase;
    let fakes: Fakes;
    let app: FastifyInstance;
    let user: TestUser;
    const lines: string[] = [];
    const log = createLogger('debug', { write: (line: string) => void lines.push(line) });
    const box = SecretBox.fromBase64(Buffer.alloc(32, 5).toString('base64'));
    let connectorDeps: Parameters<typeof connectorRegistry>[0];

    beforeAll(async () => {
      database = await openTestDatabase(backend);
      fakes = await startFakes();
      fakes.meta.tokens.add(META_TOKEN);
      fakes.shopify.tokens.add(SHOP_TOKEN);
      fakes.meta.days.set('2026-08-10', { spend: 5, impressions: 50, clicks: 2 });
      fakes.sheets.addSpreadsheet('LeakCheckSheet01', ['Meta', 'GA4', 'Shopify']);
      connectorDeps = { settings: fakeSettings(fakes), box };
      const deps: ApiDeps = { ...testDeps(database), log, connectors: connectorsPort(connectorDeps) };
      app = await buildApp({
        deps,
        log,
        bodyLimitBytes: 65_536,
        login: { maxAttempts: 1000, windowSeconds: 900 },
        readiness: { ping: async () => undefined, schemaReady: () => true, scheduler: () => 'disabled' },
        publicUrl: TEST_PUBLIC_URL,
      });
      user = await createTestUser(database, 'leak');
    });
    afterAll(async () => {
      await app?.close();
      await fakes?.close();
      await database?.dispose();
    });

    it('saves, tests, connects by OAuth and syncs every source, then finds no token in pg_dump or the log', async () => {
      const put = (url: string, payload: object) => app.inject({ method: 'PUT', url, headers: user.auth, payload });
      const google = fakes.google.issueRefreshToken();
      expect(
        (await put('/api/connections/meta', { account_id: '77', credential: { kind: 'access_token', access_token: META_TOKEN } }))
          .statusCode,
      ).toBe(200);
      expect(
        (
          await put('/api/connections/shopify', {
            account_id: 'leak.myshopify.com',
            credential: { kind: 'access_token', access_token: SHOP_TOKEN },
          })
        ).statusCode,
      ).toBe(200);
      expect(
        (
          await put('/api/sheets', {
            spreadsheet_id: 'LeakCheckSheet01',
            credential: { kind: 'oauth_refresh', refresh_token: google },
          })
        ).statusCode,
      ).toBe(200);

      // GA4 through the OAuth flow: redirect with state, the provider's callback, the code exchanged.
      const start = await app.inject({
        method: 'GET',
        url: '/api/connections/ga4/oauth/start?account_id=31415',
        headers: user.auth,
      });
      expect(start.statusCode).toBe(302);
      const consent = new URL(start.headers.location as string);
      expect(consent.searchParams.get('access_type')).toBe('offline');
      const state = consent.searchParams.get('state') as string;
      const cookie = String(start.headers['set-cookie']).split(';')[0] as string;
      fakes.google.codes.add('code-1');
      const forged = await app.inject({
        method: 'GET',
        url: `/api/oauth/callback?code=code-1&state=${state}x`,
        headers: { ...user.auth, cookie },
      });
      expect(forged.statusCode).toBe(400);
      const back = await app.inject({
        method: 'GET',
        url: `/api/oauth/callback?code=code-1&state=${state}`,
        headers: { ...user.auth, cookie },
      });
      expect(back.headers.location).toBe('/connections?connected=ga4');
      const ga4 = (await app.inject({ method: 'GET', url: '/api/connections', headers: user.auth })).json().data[1];
      expect(ga4).toMatchObject({ mode: 'live', account_id: '31415', credential_kind: 'oauth_refresh', has_secret: true });

      for (const service of ['meta', 'ga4', 'shopify']) {
        expect(
          (await app.inject({ method: 'POST', url: `/api/connections/${service}/test`, headers: user.auth })).json().data.ok,
          service,
        ).toBe(true);
      }
      const handlers = connectorRegistry(connectorDeps);
      for (const service of ['meta', 'ga4', 'shopify'] as const) {
        const result = await runScheduled(database, handlers, {
          userId: user.id,
          service,
          fireAt: '2026-08-10T06:00:00Z',
          until: '2026-08-10T06:05:00Z',
          log,
        });
        expect(result.status, service).toBe('succeeded');
      }
      // The header and one row per day of Meta's 7-day lookback.
      expect(fakes.sheets.grid('LeakCheckSheet01', 'Meta')).toHaveLength(8);

      const secrets = [META_TOKEN, SHOP_TOKEN, google, ...fakes.google.refreshTokens, ...fakes.google.accessTokens].filter(
        (s) => s.length > 12,
      );
      expect(secrets.length).toBeGreaterThan(4);
      const { stdout: dump } = await run('pg_dump', ['--data-only', '-d', database.url as string], {
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(dump).toContain('v1.');
      const logText = lines.join('');
      expect(logText).toContain('connector-synced');
      expect(logText).toContain('connection-saved');
      for (const secret of secrets) {
        expect(dump.includes(secret), 'a token in pg_dump').toBe(false);
        expect(logText.includes(secret), 'a token in the log').toBe(false);
      }
    });
  },
);
