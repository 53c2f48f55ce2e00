import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dateSerial } from '../src/dates.ts';
import { connectorRegistry } from '../src/handler.ts';
import {
  connectionOf,
  createUser,
  type Fakes,
  fakeSettings,
  runScheduled,
  saveConnection,
  saveSheet,
  snapshotsOf,
  startFakes,
  testBox,
} from './support.ts';

const ACCOUNT = '1234567890';
const TOKEN = 'EAAG-meta-long-lived-token-PLAINTEXT-0001';

describe.each(BACKENDS)('Meta Ads connector through the scheduler on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  const box = testBox();

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    fakes.meta.tokens.add(TOKEN);
    fakes.meta.days.set('2026-08-10', { spend: 123.45, impressions: 45_678, clicks: 910, purchases: 12 });
    fakes.meta.days.set('2026-08-11', { spend: 10, impressions: 100, clicks: 5 });
  });
  beforeEach(() => {
    fakes.meta.mode = 'ok';
    fakes.meta.modeTimes = undefined;
  });
  afterAll(async () => {
    await fakes?.close();
    await database?.dispose();
  });

  const registry = () => connectorRegistry({ settings: fakeSettings(fakes), box });
  /** One fire at 06:00 on 10 August, with the hour after it for retries that come at once. */
  const runOneHour = (userId: number) =>
    runScheduled(database, registry(), {
      userId,
      service: 'meta',
      fireAt: '2026-08-10T06:00:00Z',
      until: '2026-08-10T07:00:00Z',
    });
  const connect = async () => {
    const userId = await createUser(database);
    await saveConnection(database, box, {
      userId,
      service: 'meta',
      accountId: ACCOUNT,
      kind: 'access_token',
      secret: { accessToken: TOKEN },
    });
    return userId;
  };

  it('fetches the lookback days in the account’s zone, one Sheet row per date, and a restated day is corrected in place', async () => {
    const userId = await connect();
    const google = fakes.google.issueRefreshToken();
    fakes.sheets.addSpreadsheet(`sheet-${userId}`, ['Meta', 'GA4', 'Shopify']);
    await saveSheet(database, box, userId, `sheet-${userId}`, google);
    // 06:00 in Kolkata on 12 August is 00:30Z, 20:30 on the 11th in New York (the ad account's zone):
    // the newest finished day is the 10th, though the 11th has ended in Kolkata.
    const runAt = (fireAt: string) =>
      runScheduled(database, registry(), {
        userId,
        service: 'meta',
        fireAt,
        until: fireAt.replace('T00:30', 'T01:00'),
        timezone: 'Asia/Kolkata',
      });
    const run = await runAt('2026-08-12T00:30:00Z');
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1 });
    const first = await snapshotsOf(database, userId, 'meta');
    expect(first.map((s) => s.date)).toEqual(['04', '05', '06', '07', '08', '09', '10'].map((d) => `2026-08-${d}`));
    expect(first.at(-1)).toEqual({
      date: '2026-08-10',
      source: 'meta_insights',
      metrics: { spend: 123.45, impressions: 45_678, clicks: 910, conversions: 12, currency: 'USD' },
    });
    expect((await connectionOf(database, userId, 'meta'))?.timezone).toBe('America/New_York');
    const grid = () => fakes.sheets.grid(`sheet-${userId}`, 'Meta');
    expect(grid()[0]).toEqual(['date', 'spend', 'impressions', 'clicks', 'conversions', 'currency', 'synced_at']);
    expect(grid()).toHaveLength(8);
    expect(grid()[7]?.slice(0, 6)).toEqual([dateSerial('2026-08-10'), 123.45, 45_678, 910, 12, 'USD']);

    // Meta restated the 10th; the next day's run re-pulls it with the lookback and adds the 11th.
    fakes.meta.days.set('2026-08-10', { spend: 150, impressions: 50_000, clicks: 1000, purchases: 13 });
    await runAt('2026-08-13T00:30:00Z');
    await runAt('2026-08-13T00:30:00Z');
    const snapshots = await snapshotsOf(database, userId, 'meta');
    expect(snapshots.map((s) => s.date).at(-1)).toBe('2026-08-11');
    expect(snapshots.find((s) => s.date === '2026-08-10')?.metrics).toMatchObject({ spend: 150, conversions: 13 });
    expect(grid().filter((row) => row[0] === dateSerial('2026-08-10'))).toEqual([
      [dateSerial('2026-08-10'), 150, 50_000, 1000, 13, 'USD', expect.any(String)],
    ]);
    expect(grid().filter((row) => row[0] === dateSerial('2026-08-11'))).toHaveLength(1);
    expect(grid()).toHaveLength(9);
    expect((await connectionOf(database, userId, 'meta'))?.status).toBe('ok');
  });

  it('a day without delivery is zeros, not an error', async () => {
    const userId = await connect();
    const run = await runScheduled(database, registry(), {
      userId,
      service: 'meta',
      fireAt: '2026-08-20T06:00:00Z',
      until: '2026-08-20T06:10:00Z',
    });
    expect(run.status).toBe('succeeded');
    expect((await snapshotsOf(database, userId, 'meta'))[0]?.metrics).toEqual({
      spend: 0,
      impressions: 0,
      clicks: 0,
      conversions: 0,
      currency: '',
    });
  });

  it('a throttle (code 80000) is retried after Meta’s estimated_time_to_regain_access, the connection stays ok', async () => {
    const userId = await connect();
    fakes.meta.mode = 'throttle-80000';
    const run = await runScheduled(database, registry(), {
      userId,
      service: 'meta',
      fireAt: '2026-08-10T06:00:00Z',
      until: '2026-08-10T06:05:00Z',
    });
    expect(run).toMatchObject({
      status: 'queued',
      attempt: 1,
      error_class: 'RateLimited',
      run_after: '2026-08-10T06:07:00.000Z',
    });
    expect((await connectionOf(database, userId, 'meta'))?.status).toBe('ok');
  });

  it('code 613 waits X-Ad-Account-Usage reset_time_duration; code 17 without a hint waits the default 10 minutes', async () => {
    let userId = await connect();
    fakes.meta.mode = 'throttle-613';
    let run = await runScheduled(database, registry(), {
      userId,
      service: 'meta',
      fireAt: '2026-08-10T06:00:00Z',
      until: '2026-08-10T06:01:00Z',
    });
    expect(run).toMatchObject({ status: 'queued', error_class: 'RateLimited', run_after: '2026-08-10T06:02:00.000Z' });
    userId = await connect();
    fakes.meta.mode = 'throttle-17';
    run = await runScheduled(database, registry(), {
      userId,
      service: 'meta',
      fireAt: '2026-08-10T06:00:00Z',
      until: '2026-08-10T06:01:00Z',
    });
    expect(run).toMatchObject({ status: 'queued', error_class: 'RateLimited', run_after: '2026-08-10T06:10:00.000Z' });
  });

  it('a transient error (code 2) is retried, and the retry succeeds once Meta is back', async () => {
    const userId = await connect();
    fakes.meta.mode = 'transient-2';
    fakes.meta.modeTimes = 1;
    const run = await runScheduled(database, registry(), {
      userId,
      service: 'meta',
      fireAt: '2026-08-10T06:00:00Z',
      until: '2026-08-10T06:20:00Z',
    });
    // The first attempt met Meta's code 2; the retry 10 minutes later (no wait hint) succeeded in the same row.
    expect(run).toMatchObject({ status: 'succeeded', attempt: 2, run_after: '2026-08-10T06:10:00.000Z' });
  });

  it('an expired token (190/463) fails at once and marks the connection needs_reauth', async () => {
    const userId = await createUser(database);
    await saveConnection(database, box, {
      userId,
      service: 'meta',
      accountId: ACCOUNT,
      kind: 'access_token',
      secret: { accessToken: 'EAAG-expired' },
    });
    const run = await runOneHour(userId);
    expect(run).toMatchObject({ status: 'failed', attempt: 1, error_class: 'AuthExpired' });
    expect(run.error).toMatch(/Reconnect Meta/);
    expect(await connectionOf(database, userId, 'meta')).toMatchObject({ status: 'needs_reauth', lastError: run.error });
  });

  it('a permission error (10, 200) fails at once with an actionable message and marks the connection error', async () => {
    for (const mode of ['permission-10', 'permission-200'] as const) {
      const userId = await connect();
      fakes.meta.mode = mode;
      const run = await runOneHour(userId);
      expect(run).toMatchObject({ status: 'failed', attempt: 1, error_class: 'PermissionDenied' });
      expect(run.error).toMatch(/ads_read/);
      expect((await connectionOf(database, userId, 'meta'))?.status).toBe('error');
    }
  });

  it('a request error (code 2, subcodes 1504041/1504042) fails at once without a retry and marks the connection error', async () => {
    for (const mode of ['invalid-breakdowns', 'invalid-custom-metrics'] as const) {
      const userId = await connect();
      fakes.meta.mode = mode;
      const run = await runOneHour(userId);
      expect(run, mode).toMatchObject({ status: 'failed', attempt: 1, error_class: 'InvalidConfig' });
      expect(run.error, mode).toMatch(/^Meta rejected the request as invalid \(code 2\/150404[12]\)/);
      expect((await connectionOf(database, userId, 'meta'))?.status, mode).toBe('error');
    }
  });

  it('a user without a connection still gets the labelled sample data', async () => {
    const userId = await createUser(database);
    const run = await runScheduled(database, registry(), {
      userId,
      service: 'meta',
      fireAt: '2026-08-10T06:00:00Z',
      until: '2026-08-10T06:05:00Z',
    });
    expect(run.status).toBe('succeeded');
    expect((await snapshotsOf(database, userId, 'meta'))[0]?.source).toBe('sample');
  });
});
