import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectorRegistry } from '../src/handler.ts';
import { connectionAad } from '../src/secrets.ts';
import {
  connectionOf,
  createUser,
  type Fakes,
  fakeSettings,
  runScheduled,
  saveConnection,
  saveSheet,
  sheetOf,
  snapshotsOf,
  startFakes,
  testBox,
} from './support.ts';

const PROPERTY = '987654321';

describe.each(BACKENDS)('GA4 connector through the scheduler on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  const box = testBox();

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    fakes.google.days.set('2026-08-10', { sessions: 1500, users: 1200, keyEvents: 40, purchases: 25, revenue: 1999.5 });
  });
  beforeEach(() => {
    fakes.google.mode = 'ok';
    fakes.google.tokenMode = 'ok';
    fakes.sheets.mode = 'ok';
  });
  afterAll(async () => {
    await fakes?.close();
    await database?.dispose();
  });

  const registry = () => connectorRegistry({ settings: fakeSettings(fakes), box });
  const connect = async () => {
    const userId = await createUser(database);
    const refreshToken = fakes.google.issueRefreshToken();
    await saveConnection(database, box, {
      userId,
      service: 'ga4',
      accountId: PROPERTY,
      kind: 'oauth_refresh',
      secret: { refreshToken },
    });
    return { userId, refreshToken };
  };
  const at = { fireAt: '2026-08-10T06:00:00Z', until: '2026-08-10T06:05:00Z' };
  // 06:00 on the 11th in Los Angeles (the property's zone): the last complete day there is the 10th.
  const reportsTenth = { fireAt: '2026-08-11T13:00:00Z', until: '2026-08-11T13:05:00Z', timezone: 'America/Los_Angeles' };

  it('refreshes the access token, persists the rotated refresh token, and stores the day', async () => {
    const { userId, refreshToken } = await connect();
    const run = await runScheduled(database, registry(), { userId, service: 'ga4', ...reportsTenth });
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1 });
    // GA4's default lookback is 3 days: the 8th to the 10th, in one runReport over the range.
    const days = await snapshotsOf(database, userId, 'ga4');
    expect(days.map((day) => day.date)).toEqual(['2026-08-08', '2026-08-09', '2026-08-10']);
    expect(days[2]).toMatchObject({
      date: '2026-08-10',
      source: 'ga4_data_api',
      metrics: { sessions: 1500, users: 1200, key_events: 40, purchases: 25, revenue: 1999.5, currency: 'EUR' },
    });
    const row = await connectionOf(database, userId, 'ga4');
    // The first sync of a connection never tested learned the property's zone from runReport's metadata.
    expect(row?.timezone).toBe('America/Los_Angeles');
    const secret = box.open<{ refreshToken: string; accessToken: string }>(row?.secret ?? '', connectionAad(userId, 'ga4'));
    // Google rotated the refresh token: the old one is dead at the fake, the new one is what we stored.
    expect(secret.refreshToken).not.toBe(refreshToken);
    expect(fakes.google.refreshTokens.has(refreshToken)).toBe(false);
    expect(fakes.google.refreshTokens.has(secret.refreshToken)).toBe(true);
    expect(row?.tokenExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    // A second run uses the cached access token (no token call) and still works.
    const tokenCalls = fakes.google.server.requests.filter((r) => r.url.pathname === '/token').length;
    expect(
      (
        await runScheduled(database, registry(), {
          userId,
          service: 'ga4',
          fireAt: '2026-08-12T06:00:00Z',
          until: '2026-08-12T06:05:00Z',
        })
      ).status,
    ).toBe('succeeded');
    expect(fakes.google.server.requests.filter((r) => r.url.pathname === '/token').length).toBe(tokenCalls);
  });

  it('a refused refresh token (invalid_grant) fails at once and marks the connection needs_reauth', async () => {
    const { userId } = await connect();
    fakes.google.tokenMode = 'invalid_grant';
    const run = await runScheduled(database, registry(), {
      userId,
      service: 'ga4',
      fireAt: at.fireAt,
      until: '2026-08-10T07:00:00Z',
    });
    expect(run).toMatchObject({ status: 'failed', attempt: 1, error_class: 'AuthExpired' });
    expect(run.error).toMatch(/expired or revoked.*Reconnect Google/);
    expect((await connectionOf(database, userId, 'ga4'))?.status).toBe('needs_reauth');
  });

  it('403 PERMISSION_DENIED fails at once, telling the user to grant access; the connection is in error', async () => {
    const { userId } = await connect();
    fakes.google.mode = '403';
    const run = await runScheduled(database, registry(), {
      userId,
      service: 'ga4',
      fireAt: at.fireAt,
      until: '2026-08-10T07:00:00Z',
    });
    expect(run).toMatchObject({ status: 'failed', attempt: 1, error_class: 'PermissionDenied' });
    expect(run.error).toMatch(/Viewer access to the property/);
    expect((await connectionOf(database, userId, 'ga4'))?.status).toBe('error');
  });

  it('403 SERVICE_DISABLED fails at once, telling the operator to enable the Analytics Data API', async () => {
    const { userId } = await connect();
    fakes.google.mode = 'service-disabled';
    const run = await runScheduled(database, registry(), {
      userId,
      service: 'ga4',
      fireAt: at.fireAt,
      until: '2026-08-10T07:00:00Z',
    });
    expect(run).toMatchObject({ status: 'failed', attempt: 1, error_class: 'InvalidConfig' });
    expect(run.error).toMatch(/Google Analytics Data API is not enabled in the Google Cloud project 123456789012/);
    expect(run.error).not.toMatch(/Viewer access/);
    expect((await connectionOf(database, userId, 'ga4'))?.status).toBe('error');
  });

  it('429 RESOURCE_EXHAUSTED (hourly) and 503 are retried; the connection stays ok', async () => {
    for (const [mode, errorClass] of [
      ['429', 'RateLimited'],
      ['503', 'Transient'],
    ] as const) {
      const { userId } = await connect();
      fakes.google.mode = mode;
      const run = await runScheduled(database, registry(), { userId, service: 'ga4', ...at });
      expect(run).toMatchObject({ status: 'queued', attempt: 1, error_class: errorClass, run_after: '2026-08-10T06:10:00.000Z' });
      expect((await connectionOf(database, userId, 'ga4'))?.status).toBe('ok');
    }
  });

  it('the daily token budget waits until after midnight Pacific time rather than burning retries', async () => {
    const { userId } = await connect();
    fakes.google.mode = '429-daily';
    const run = await runScheduled(database, registry(), { userId, service: 'ga4', ...at });
    expect(run).toMatchObject({ status: 'queued', error_class: 'RateLimited' });
    expect(Date.parse(run.run_after) - Date.parse(at.fireAt)).toBeGreaterThan(60_000);
  });

  it('a Sheets failure after the snapshot: permission fails the run and marks the destination; rate limit retries', async () => {
    const { userId } = await connect();
    fakes.sheets.addSpreadsheet(`ga4-${userId}`, ['GA4']);
    await saveSheet(database, box, userId, `ga4-${userId}`, fakes.google.issueRefreshToken());
    fakes.sheets.mode = '403';
    let run = await runScheduled(database, registry(), {
      userId,
      service: 'ga4',
      fireAt: at.fireAt,
      until: '2026-08-10T07:00:00Z',
    });
    expect(run).toMatchObject({ status: 'failed', error_class: 'PermissionDenied' });
    expect(run.error).toMatch(/Share the spreadsheet/);
    expect(await sheetOf(database, userId)).toMatchObject({ status: 'error' });
    expect(await connectionOf(database, userId, 'ga4')).toMatchObject({ status: 'ok' });
    expect(await snapshotsOf(database, userId, 'ga4')).toHaveLength(3);

    fakes.sheets.mode = '429';
    run = await runScheduled(database, registry(), {
      userId,
      service: 'ga4',
      fireAt: '2026-08-11T06:00:00Z',
      until: '2026-08-11T06:00:30Z',
    });
    expect(run).toMatchObject({ status: 'queued', error_class: 'RateLimited', run_after: '2026-08-11T06:01:00.000Z' });
  });
});
