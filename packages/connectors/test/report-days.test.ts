// Report days through the real engine (FakeClock) on PostgreSQL and PGlite, against the wire-format
// fakes: days are the source's days, each run re-pulls its lookback days and heals gaps, a restated day is
// corrected in the snapshot and in the Sheet, and an unchanged day is not rewritten anywhere.
import { queryRows, type Service, sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateSerial } from '../src/dates.ts';
import { connectorRegistry } from '../src/handler.ts';
import { eachDay } from '../src/report-days.ts';
import type { MetaDay as FakeMetaDay } from './fakes/meta.ts';
import {
  connectionOf,
  createUser,
  type Fakes,
  fakeSettings,
  runScheduled,
  saveConnection,
  saveSheet,
  startFakes,
  testBox,
} from './support.ts';

const META_TOKEN = 'EAAG-report-days-token';
const SHOPIFY_TOKEN = 'shpat_report_days';
const SHOP = 'days.myshopify.com';

type Stored = { date: string; metrics: Record<string, number | string>; updated_at: string; restated_at: string | null };

describe.each(BACKENDS)('report days, lookback and gaps on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;
  const box = testBox();
  const registry = (backfillDays = 30) => connectorRegistry({ settings: { ...fakeSettings(fakes), backfillDays }, box });

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    fakes.meta.tokens.add(META_TOKEN);
    fakes.shopify.tokens.add(SHOPIFY_TOKEN);
  });
  afterAll(async () => {
    await fakes?.close();
    await database?.dispose();
  });

  /** A user with a connection saved at `createdAt` (the start of its coverage), and a schedule row. */
  async function connect(service: Service, createdAt: string, lookbackDays?: number): Promise<number> {
    const userId = await createUser(database);
    await saveConnection(database, box, {
      userId,
      service,
      accountId: service === 'meta' ? '555' : SHOP,
      kind: 'access_token',
      secret: { accessToken: service === 'meta' ? META_TOKEN : SHOPIFY_TOKEN },
    });
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE connections SET created_at = ${createdAt} WHERE user_id = ${userId} AND service = ${service}`),
    );
    await withService(database.db, (tx) =>
      tx.execute(sql`INSERT INTO job_schedules (user_id, service, cron_expression, timezone, lookback_days)
        VALUES (${userId}, ${service}, '0 6 * * *', 'UTC', ${lookbackDays ?? null})`),
    );
    return userId;
  }

  const stored = (userId: number, service: Service) =>
    withService(database.db, (tx) =>
      queryRows<Stored>(
        tx,
        sql`SELECT date::text AS date, metrics, updated_at::text AS updated_at, restated_at::text AS restated_at
            FROM kpi_snapshots WHERE user_id = ${userId} AND service = ${service} ORDER BY date`,
      ),
    );
  const resultOf = async (runId: number) => {
    const [row] = await withService(database.db, (tx) =>
      queryRows<{ result: Record<string, unknown> }>(tx, sql`SELECT result FROM job_runs WHERE id = ${runId}`),
    );
    return row?.result;
  };
  /** Fires the daily 02:00 run in `timezone` at `fireAt` (a UTC instant) and gives it ten minutes. */
  const fire = (userId: number, service: Service, fireAt: string, timezone: string, backfillDays?: number) =>
    runScheduled(database, registry(backfillDays), {
      userId,
      service,
      fireAt,
      until: new Date(Date.parse(fireAt) + 600_000).toISOString(),
      timezone,
      cron: '0 2 * * *',
    });
  const batchWrites = () =>
    fakes.sheets.server.requests
      .filter((request) => request.url.pathname.endsWith('values:batchUpdate'))
      .map((request) => JSON.parse(request.body) as { data: Array<{ range: string; values: unknown[][] }> });
  const metaFigures = (day: FakeMetaDay) => ({
    spend: day.spend,
    impressions: day.impressions,
    clicks: day.clicks,
    conversions: day.purchases ?? 0,
    currency: 'USD',
  });
  // A day Meta has no row for is zeros with no currency.
  const noDelivery = { spend: 0, impressions: 0, clicks: 0, conversions: 0, currency: '' };

  it('a restated day is corrected in the snapshot and its Sheet row; unchanged days are not rewritten', async () => {
    fakes.meta.timezoneName = 'UTC';
    for (const date of eachDay('2026-03-01', '2026-03-20'))
      fakes.meta.days.set(date, { spend: 10, impressions: 1000, clicks: 10, purchases: 1 });
    const userId = await connect('meta', '2026-03-10T12:00:00Z');
    fakes.sheets.addSpreadsheet(`days-${userId}`, ['Meta']);
    await saveSheet(database, box, userId, `days-${userId}`, fakes.google.issueRefreshToken());

    // Horizon: 10 March minus 30 days is 8 February; the first run covers it all (27 days < 31).
    const first = await fire(userId, 'meta', '2026-03-08T02:00:00Z', 'UTC');
    expect(first.status).toBe('succeeded');
    expect(await resultOf(first.id)).toMatchObject({
      range: { from: '2026-02-08', to: '2026-03-07' },
      days_fetched: 28,
      days_changed: 28,
    });
    const before = await stored(userId, 'meta');
    expect(before.map((row) => row.date)).toEqual(eachDay('2026-02-08', '2026-03-07'));
    expect(before[0]?.metrics).toEqual(noDelivery);
    const grid = () => fakes.sheets.grid(`days-${userId}`, 'Meta');
    expect(grid()).toHaveLength(29);
    expect(batchWrites().at(-1)?.data).toHaveLength(1);

    // Meta restates the 5th; the next day's run re-pulls its 7 lookback days (1st-7th... now 2nd-8th).
    fakes.meta.days.set('2026-03-05', { spend: 12.5, impressions: 1100, clicks: 11, purchases: 3 });
    const writesBefore = batchWrites().length;
    const second = await fire(userId, 'meta', '2026-03-09T02:00:00Z', 'UTC');
    expect(await resultOf(second.id)).toMatchObject({
      range: { from: '2026-03-02', to: '2026-03-08' },
      days_fetched: 7,
      days_changed: 2,
      changed: ['2026-03-05', '2026-03-08'],
    });
    const after = await stored(userId, 'meta');
    const row = (rows: Stored[], date: string) => rows.find((r) => r.date === date);
    expect(row(after, '2026-03-05')?.metrics).toEqual(metaFigures({ spend: 12.5, impressions: 1100, clicks: 11, purchases: 3 }));
    expect(row(after, '2026-03-05')?.restated_at).not.toBeNull();
    // Every unchanged day keeps its row untouched: same updated_at, never marked restated.
    for (const date of ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-06', '2026-03-07']) {
      expect(row(after, date)).toEqual(row(before, date));
      expect(row(after, date)?.restated_at).toBeNull();
    }
    // One batchUpdate carrying exactly the restated day (in place) and the new day (appended).
    expect(batchWrites().length - writesBefore).toBe(1);
    const ranges = batchWrites()
      .at(-1)
      ?.data.map((entry) => entry.range);
    expect(ranges).toEqual(["'Meta'!A27:G27", "'Meta'!A30:G30"]);
    expect(grid().filter((cells) => cells[0] === dateSerial('2026-03-05'))).toEqual([
      [dateSerial('2026-03-05'), 12.5, 1100, 11, 3, 'USD', expect.any(String)],
    ]);
    expect(grid()).toHaveLength(30);
    expect(
      grid()
        .slice(1)
        .map((cells) => cells[0]),
    ).toEqual(eachDay('2026-02-08', '2026-03-08').map(dateSerial));

    // 02:00 in UTC+1, an hour earlier, reports the same days: nothing changed, so no row is rewritten and
    // the Sheet gets no call at all.
    const third = await fire(userId, 'meta', '2026-03-09T01:00:00Z', 'Etc/GMT-1');
    expect(await resultOf(third.id)).toMatchObject({ days_changed: 0, sheet: null });
    expect(batchWrites().length - writesBefore).toBe(1);
    expect(await stored(userId, 'meta')).toEqual(after);
  });

  it('sample days replaced by the source’s first figures are not restatements', async () => {
    fakes.meta.timezoneName = 'UTC';
    fakes.meta.days.set('2026-04-09', { spend: 7, impressions: 70, clicks: 7, purchases: 0 });
    const userId = await createUser(database);
    // No connection yet: the sample connector writes the schedule zone's last day, labelled as sample.
    await fire(userId, 'meta', '2026-04-10T02:00:00Z', 'UTC');
    const sample = await withService(database.db, (tx) =>
      queryRows<{ source: string }>(tx, sql`SELECT source FROM kpi_snapshots WHERE user_id = ${userId} AND date = '2026-04-09'`),
    );
    expect(sample).toEqual([{ source: 'sample' }]);
    await saveConnection(database, box, {
      userId,
      service: 'meta',
      accountId: '555',
      kind: 'access_token',
      secret: { accessToken: META_TOKEN },
    });
    await withService(database.db, (tx) =>
      tx.execute(sql`UPDATE connections SET created_at = '2026-04-10T12:00:00Z' WHERE user_id = ${userId}`),
    );
    await fire(userId, 'meta', '2026-04-11T02:00:00Z', 'UTC');
    const rows = await stored(userId, 'meta');
    expect(rows.find((row) => row.date === '2026-04-09')).toMatchObject({
      metrics: metaFigures({ spend: 7, impressions: 70, clicks: 7, purchases: 0 }),
      restated_at: null,
    });
    expect(rows.every((row) => row.restated_at === null)).toBe(true);
  });

  it('Honolulu account, Kolkata schedule: a day is stored only once it has ended in Honolulu', async () => {
    fakes.meta.timezoneName = 'Pacific/Honolulu';
    for (const date of eachDay('2026-11-20', '2026-12-02'))
      fakes.meta.days.set(date, { spend: 5, impressions: 500, clicks: 5, purchases: 0 });
    const userId = await connect('meta', '2026-11-24T00:00:00Z');
    // 02:00 on 1 December in Kolkata is 20:30Z on 30 November, 10:30 on 30 November in Honolulu.
    const run = await fire(userId, 'meta', '2026-11-30T20:30:00Z', 'Asia/Kolkata');
    expect(run.status).toBe('succeeded');
    expect((await connectionOf(database, userId, 'meta'))?.timezone).toBe('Pacific/Honolulu');
    expect(await resultOf(run.id)).toMatchObject({ timezone: 'Pacific/Honolulu', range: { to: '2026-11-29' } });
    expect((await stored(userId, 'meta')).map((row) => row.date).at(-1)).toBe('2026-11-29');
    // The one insights call asked Honolulu's days, ending on the 29th.
    const insights = fakes.meta.server.requests.filter((r) => r.url.pathname.endsWith('/insights')).at(-1);
    expect(JSON.parse(insights?.url.searchParams.get('time_range') ?? '{}')).toEqual({
      since: '2026-10-30',
      until: '2026-11-29',
    });
    // Coverage from the horizon (24 October) is capped at 31 days a run, so the call started on 30 October.
    // A day later (10:30 on 1 December in Honolulu) 30 November has ended there and is stored.
    await fire(userId, 'meta', '2026-12-01T20:30:00Z', 'Asia/Kolkata');
    expect((await stored(userId, 'meta')).map((row) => row.date).at(-1)).toBe('2026-11-30');
  });

  it('Kiritimati shop, Los Angeles schedule: the shop’s day is final 22 hours before Los Angeles’s', async () => {
    fakes.shopify.ianaTimezone = 'Pacific/Kiritimati';
    fakes.shopify.orders.length = 0;
    fakes.shopify.orders.push(
      { createdAt: '2026-11-30T09:59:59Z', amount: '1.00' }, // 30 November 23:59:59 in Kiritimati
      { createdAt: '2026-11-30T10:00:00Z', amount: '2.00' }, // 1 December 00:00 in Kiritimati
      { createdAt: '2026-12-01T09:00:00Z', amount: '3.00' }, // 1 December 23:00 in Kiritimati
      { createdAt: '2026-12-01T10:00:00Z', amount: '4.00' }, // 2 December 00:00: not ended at the fire
    );
    const userId = await connect('shopify', '2026-11-29T00:00:00Z', 3);
    // 02:00 on 1 December in Los Angeles is 10:00Z: 2 December has just begun in Kiritimati, 1 December
    // has ended there (though it has two hours to go in Los Angeles).
    const run = await fire(userId, 'shopify', '2026-12-01T10:00:00Z', 'America/Los_Angeles');
    expect(run.status).toBe('succeeded');
    const rows = await stored(userId, 'shopify');
    expect(rows.at(-1)?.date).toBe('2026-12-01');
    expect(rows.find((row) => row.date === '2026-12-01')?.metrics).toMatchObject({ orders: 2, gross_sales: 5 });
    expect(rows.find((row) => row.date === '2026-11-30')?.metrics).toMatchObject({ orders: 1, gross_sales: 1 });
    expect(rows.some((row) => row.date === '2026-12-02')).toBe(false);
    const query = fakes.shopify.server.requests
      .map((request) => (request.body ? (JSON.parse(request.body) as { variables?: { q?: string } }) : {}))
      .filter((body) => body.variables?.q)
      .at(-1);
    expect(query?.variables?.q).toContain("created_at:<'2026-12-02T00:00:00+14:00'");
  });

  it('an outage of 5 days: the next run fills the missed days and every day equals the source', async () => {
    fakes.meta.timezoneName = 'UTC';
    const figures = (date: string, bump = 0): FakeMetaDay => ({
      spend: Number(date.slice(8)) + bump,
      impressions: 100 * Number(date.slice(8)),
      clicks: Number(date.slice(8)),
      purchases: bump,
    });
    for (const date of eachDay('2026-05-01', '2026-05-31')) fakes.meta.days.set(date, figures(date));
    // lookback 2 days: shorter than the outage, so only the gap fill can heal it.
    const userId = await connect('meta', '2026-06-05T00:00:00Z', 2);
    await fire(userId, 'meta', '2026-05-10T02:00:00Z', 'UTC');
    // Down from the 10th to the 16th: five daily fires never happened. Meanwhile Meta kept counting the
    // days of the outage and restated the 14th.
    fakes.meta.days.set('2026-05-14', figures('2026-05-14', 4));
    const run = await fire(userId, 'meta', '2026-05-16T02:00:00Z', 'UTC');
    expect(await resultOf(run.id)).toMatchObject({ range: { from: '2026-05-10', to: '2026-05-15' }, days_changed: 6 });
    const rows = await stored(userId, 'meta');
    // Coverage starts at the horizon, 30 days before the connection was saved (6 May).
    expect(rows.map((row) => row.date)).toEqual(eachDay('2026-05-06', '2026-05-15'));
    for (const row of rows) {
      const source = fakes.meta.days.get(row.date) as FakeMetaDay;
      expect(row.metrics).toEqual(metaFigures(source));
    }
  });

  it('a long gap is filled 31 days per run, newest first; a backfill range is fetched exactly', async () => {
    fakes.meta.timezoneName = 'UTC';
    for (const date of eachDay('2026-01-01', '2026-03-31')) fakes.meta.days.set(date, { spend: 1, impressions: 1, clicks: 1 });
    // BACKFILL_DAYS 60: the coverage starts on 30 January, two months before the first run.
    const userId = await connect('meta', '2026-03-31T00:00:00Z', 3);
    const run = await fire(userId, 'meta', '2026-03-31T02:00:00Z', 'UTC', 60);
    expect(await resultOf(run.id)).toMatchObject({ range: { from: '2026-02-28', to: '2026-03-30' }, days_fetched: 31 });
    // The older part (30 January to 27 February) is left for a backfill run, which names its range.
    const [manual] = await withService(database.db, (tx) =>
      queryRows<{ id: string }>(
        tx,
        sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, max_attempts, run_after)
            VALUES (${userId}, 'meta', 'manual', '2026-03-31T03:00:00Z', 'running', 1, now()) RETURNING id`,
      ),
    );
    const handler = registry(60).get('meta');
    const result = await handler?.run({
      runId: Number(manual?.id),
      userId,
      service: 'meta',
      trigger: 'manual',
      scheduledFor: new Date('2026-03-31T03:00:00Z'),
      attempt: 1,
      range: { from: '2026-02-01', to: '2026-02-27' },
      signal: new AbortController().signal,
      log: pino({ level: 'silent' }),
      db: database.db,
    });
    expect(result).toMatchObject({ range: { from: '2026-02-01', to: '2026-02-27' }, days_fetched: 27, days_changed: 27 });
    expect((await stored(userId, 'meta')).map((row) => row.date)).toEqual(eachDay('2026-02-01', '2026-03-30'));
  });
  it('a backfill range is cut to the days that had ended in the account’s zone; one still running is left out', async () => {
    fakes.meta.timezoneName = 'Pacific/Honolulu';
    for (const date of eachDay('2026-11-20', '2026-12-01')) fakes.meta.days.set(date, { spend: 2, impressions: 2, clicks: 2 });
    const userId = await connect('meta', '2026-11-30T00:00:00Z');
    const [queued] = await withService(database.db, (tx) =>
      queryRows<{ id: string }>(
        tx,
        sql`INSERT INTO job_runs (user_id, service, trigger, scheduled_for, status, max_attempts, run_after)
            VALUES (${userId}, 'meta', 'manual', '2026-11-30T20:30:00Z', 'running', 1, now()) RETURNING id`,
      ),
    );
    // Queued at 10:30 on 30 November in Honolulu (02:00 on 1 December in Kolkata): the 30th is still running there.
    const run = (range: { from: string; to: string }) =>
      registry()
        .get('meta')
        ?.run({
          runId: Number(queued?.id),
          userId,
          service: 'meta',
          trigger: 'manual',
          scheduledFor: new Date('2026-11-30T20:30:00Z'),
          attempt: 1,
          range,
          signal: new AbortController().signal,
          log: pino({ level: 'silent' }),
          db: database.db,
        });
    expect(await run({ from: '2026-11-25', to: '2026-11-30' })).toMatchObject({
      range: { from: '2026-11-25', to: '2026-11-29' },
      days_fetched: 5,
    });
    expect((await stored(userId, 'meta')).map((row) => row.date)).toEqual(eachDay('2026-11-25', '2026-11-29'));
    // A range of running days only fetches nothing.
    const calls = fakes.meta.server.requests.length;
    expect(await run({ from: '2026-11-30', to: '2026-11-30' })).toMatchObject({ range: null, days_fetched: 0 });
    expect(fakes.meta.server.requests.length).toBe(calls);
  });
});
