import { serviceInput } from '@kpi/api';
import { queryRows, sql } from '@kpi/db';
import { defineSources, type SourceDefinition } from '@kpi/sources';
import { openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SERVICE_LABELS, SERVICES as UI_SERVICES } from '../../web/src/lib/services.ts';
import { buildTestApp, createTestUser, type TestUser } from './support.ts';

// A fourth source, added to the registry in memory only: everything that reads the registry must follow.
const TIKTOK: SourceDefinition = vi.hoisted(() => ({
  label: 'TikTok Ads',
  provider: 'meta',
  credentialKinds: ['access_token'],
  account: {
    label: 'Advertiser id',
    placeholder: '7000000000000000000',
    hint: 'The numeric advertiser id.',
    pattern: /^\d{1,25}$/,
    patternHint: 'the advertiser id, digits',
    normalise: (accountId) => accountId,
  },
  columns: ['spend', 'impressions', 'clicks'],
  sourceName: 'tiktok_ads',
  defaultTab: 'TikTok',
  lookbackDays: 7,
}));

vi.mock('@kpi/sources', async (importOriginal) => {
  const real = await importOriginal<typeof import('@kpi/sources')>();
  return { ...real, ...real.defineSources({ ...real.SOURCES, tiktok: TIKTOK }) };
});

describe('one registry of sources', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let user: TestUser;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    app = await buildTestApp(database);
    user = await createTestUser(database, 'registry');
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
  });

  it('the database CHECK constraints list exactly the registry’s real sources', async () => {
    const real = await vi.importActual<typeof import('@kpi/sources')>('@kpi/sources');
    const rows = await queryRows<{ table: string; definition: string }>(
      database.db,
      sql`SELECT conrelid::regclass::text AS table, pg_get_constraintdef(oid) AS definition
          FROM pg_constraint WHERE contype = 'c' AND pg_get_constraintdef(oid) LIKE '%(service)::text%'`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) {
      const listed = [...row.definition.matchAll(/'([a-z0-9_]+)'::(?:character varying|text)/g)].map((match) => match[1]);
      expect(listed.sort(), row.table).toEqual([...real.SERVICES].sort());
    }
  });

  it('the validators accept the added source and still refuse an unknown one', () => {
    expect(serviceInput.parse('tiktok')).toBe('tiktok');
    expect(serviceInput.safeParse('snapchat').success).toBe(false);
  });

  it('the web app’s source list and labels pick it up', () => {
    expect(UI_SERVICES).toContain('tiktok');
    expect((SERVICE_LABELS as Record<string, string>).tiktok).toBe('TikTok Ads');
  });

  it('the REST routes serve it once the database allows the id (the migration is the other place to change)', async () => {
    const refused = await app.inject({
      method: 'PUT',
      url: '/api/schedules/tiktok',
      headers: user.auth,
      payload: { cron: '0 4 * * *', timezone: 'UTC', enabled: true },
    });
    // The registry says yes, the database's own guard says no: the answer is an error, never a stored row.
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    await widenServiceChecks(database, ['meta', 'ga4', 'shopify', 'tiktok']);
    const saved = await app.inject({
      method: 'PUT',
      url: '/api/schedules/tiktok',
      headers: user.auth,
      payload: { cron: '0 4 * * *', timezone: 'UTC', enabled: true },
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().data).toMatchObject({ service: 'tiktok', cron: '0 4 * * *' });
    const list = await app.inject({ method: 'GET', url: '/api/schedules', headers: user.auth });
    expect(list.json().data.map((schedule: { service: string }) => schedule.service)).toEqual([
      'meta',
      'ga4',
      'shopify',
      'tiktok',
    ]);
    const stats = await app.inject({ method: 'GET', url: '/api/runs/stats', headers: user.auth });
    expect(stats.json().data.map((row: { service: string }) => row.service)).toEqual(['meta', 'ga4', 'shopify', 'tiktok']);
  });

  it('defineSources derives ids, default tabs, providers and credential kinds from the definitions alone', () => {
    const derived = defineSources({ tiktok: TIKTOK });
    expect(derived.SERVICES).toEqual(['tiktok']);
    expect(derived.DEFAULT_TABS).toEqual({ tiktok: 'TikTok' });
    expect(derived.providerOf('tiktok')).toBe('meta');
    expect(derived.providerOf('sheets')).toBe('google');
    expect(derived.credentialKindsOf('tiktok')).toEqual(['access_token']);
  });
});

/** What a migration adding a source does: the CHECK constraints on every `service` column list it. */
async function widenServiceChecks(database: TestDatabase, ids: string[]): Promise<void> {
  const rows = await queryRows<{ table: string; name: string }>(
    database.db,
    sql`SELECT conrelid::regclass::text AS table, conname AS name
        FROM pg_constraint WHERE contype = 'c' AND pg_get_constraintdef(oid) LIKE '%(service)::text%'`,
  );
  const list = ids.map((id) => `'${id}'`).join(', ');
  for (const row of rows) {
    await database.db.execute(sql.raw(`ALTER TABLE ${row.table} DROP CONSTRAINT ${row.name}`));
    await database.db.execute(sql.raw(`ALTER TABLE ${row.table} ADD CONSTRAINT ${row.name} CHECK (service IN (${list}))`));
  }
}
