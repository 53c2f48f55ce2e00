import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateSerial, startOfDayIso } from '../src/dates.ts';
import { ConnectorError } from '../src/errors.ts';
import { ga4Kpis, runGa4Report } from '../src/ga4.ts';
import { fetchMetaInsights, metaKpis } from '../src/meta.ts';
import { sheetsApi, writeKpiDays } from '../src/sheets.ts';
import { type Fakes, fakeSettings, startFakes } from './support.ts';

describe('the fetch clients against the wire-format fakes', () => {
  let fakes: Fakes;
  beforeAll(async () => {
    fakes = await startFakes();
  });
  afterAll(() => fakes?.close());

  it('Meta: follows paging.next (which points at the fake) to the end, summing string numbers', async () => {
    fakes.meta.tokens.add('tok');
    for (const [date, spend] of [
      ['2026-07-01', 1.1],
      ['2026-07-02', 2.2],
      ['2026-07-04', 3.3],
    ] as const) {
      fakes.meta.days.set(date, { spend, impressions: 10, clicks: 1, purchases: 1 });
    }
    const before = fakes.meta.server.requests.length;
    const rows = await fetchMetaInsights(fakeSettings(fakes), {
      accountId: '42',
      token: 'tok',
      since: '2026-07-01',
      until: '2026-07-05',
      limit: 1,
    });
    expect(fakes.meta.server.requests.length - before).toBe(3);
    expect(rows.map((row) => row.date_start)).toEqual(['2026-07-01', '2026-07-02', '2026-07-04']);
    expect(rows[0]?.spend).toBe('1.10');
    expect(metaKpis(rows)).toEqual({ spend: 6.6, impressions: 30, clicks: 3, conversions: 3, currency: 'USD' });
  });

  it('GA4: pages with limit/offset until rowCount rows are read; an empty day has no rows', async () => {
    for (const date of ['2026-07-01', '2026-07-02', '2026-07-03']) {
      fakes.google.days.set(date, { sessions: 10, users: 5, keyEvents: 1, purchases: 1, revenue: 9.99 });
    }
    fakes.google.accessTokens.add('ga4-token');
    const call = async (send: (token: string) => Promise<import('../src/http.ts').HttpResponse>) => send('ga4-token');
    const report = await runGa4Report(fakeSettings(fakes), call, {
      propertyId: '1',
      startDate: '2026-07-01',
      endDate: '2026-07-03',
      pageSize: 1,
    });
    expect(report.rows.map((row) => row.date)).toEqual(['20260701', '20260702', '20260703']);
    expect(ga4Kpis(report)).toMatchObject({ sessions: 30, users: 15, key_events: 3, purchases: 3, revenue: 29.97 });
    const empty = await runGa4Report(fakeSettings(fakes), call, {
      propertyId: '1',
      startDate: '2026-06-01',
      endDate: '2026-06-01',
    });
    expect(ga4Kpis(empty)).toMatchObject({ sessions: 0, revenue: 0 });
  });

  it('Sheets: header on an empty tab, one row per date in date order, one batchUpdate per write', async () => {
    fakes.sheets.addSpreadsheet('s1', ["Ana's KPIs"]);
    const call = async (send: (token: string) => Promise<import('../src/http.ts').HttpResponse>) => {
      fakes.google.accessTokens.add('sheet-token');
      return send('sheet-token');
    };
    const api = sheetsApi(fakeSettings(fakes), call, 's1');
    const syncedAt = new Date('2026-08-01T00:00:00Z');
    const day = (date: string, orders: number) => ({ date, metrics: { orders, gross_sales: 1.5, currency: 'CAD' } });
    const write = (...days: Array<{ date: string; metrics: Record<string, number | string> }>) =>
      writeKpiDays(api, { tab: "Ana's KPIs", service: 'shopify', days, syncedAt });
    const batches = () => fakes.sheets.server.requests.filter((r) => r.url.pathname.endsWith('values:batchUpdate')).length;
    const row = (date: string, orders: number) => [dateSerial(date), orders, 1.5, 'CAD', '2026-08-01T00:00:00.000Z'];
    const header = ['date', 'orders', 'gross_sales', 'currency', 'synced_at'];
    const grid = () => fakes.sheets.grid('s1', "Ana's KPIs");

    const before = batches();
    expect(await write(day('2026-07-02', 2), day('2026-07-01', 1))).toEqual({ created: true, updated: 0, added: 2 });
    expect(await write(day('2026-07-03', 3), day('2026-07-04', 4))).toEqual({ created: false, updated: 0, added: 2 });
    expect(await write(day('2026-07-01', 9), day('2026-07-05', 5))).toEqual({ created: false, updated: 1, added: 1 });
    expect(batches() - before).toBe(3);
    expect(grid()).toEqual([
      header,
      row('2026-07-01', 9),
      row('2026-07-02', 2),
      row('2026-07-03', 3),
      row('2026-07-04', 4),
      row('2026-07-05', 5),
    ]);
    // An older day (a gap filled, a backfill) re-sorts the block: still one row per date, in date order.
    expect(await write(day('2026-06-30', 0), day('2026-07-03', 30))).toEqual({ created: false, updated: 1, added: 1 });
    expect(grid().map((cells) => cells[0])).toEqual([
      'date',
      ...['06-30', '07-01', '07-02', '07-03', '07-04', '07-05'].map((d) => dateSerial(`2026-${d}`)),
    ]);
    expect(grid()[4]).toEqual(row('2026-07-03', 30));
    expect(batches() - before).toBe(4);
    // nothing changed: nothing is written at all.
    expect(await write()).toEqual({ created: false, updated: 0, added: 0 });
    expect(batches() - before).toBe(4);

    // A row the user typed below the data (a total) and a note beside a date row stay where they are.
    fakes.sheets.grids.get(`s1\u0000Ana's KPIs`)?.push([], ['Total', 42]);
    (grid()[2] as Array<string | number>)[6] = 'my note';
    expect(await write(day('2026-07-01', 10), day('2026-07-06', 6))).toEqual({ created: false, updated: 1, added: 1 });
    expect(grid()[2]?.slice(0, 5)).toEqual(row('2026-07-01', 10));
    expect(grid()[2]?.[6]).toBe('my note');
    expect(grid()[8]).toEqual(['Total', 42]);
    expect(grid()[9]).toEqual(row('2026-07-06', 6));
    expect(batches() - before).toBe(5);

    // A missing tab is a configuration error the user can fix, not a retry.
    await expect(
      writeKpiDays(api, { tab: 'Nope', service: 'meta', days: [{ date: '2026-07-01', metrics: {} }], syncedAt }),
    ).rejects.toSatisfy(
      (error) => error instanceof ConnectorError && error.failure === 'config' && /Unable to parse range/.test(error.message),
    );
  });

  it('dates: a zone’s midnight with its offset, across DST; serials as Sheets counts them', () => {
    expect(startOfDayIso('2026-08-10', 'America/New_York')).toBe('2026-08-10T00:00:00-04:00');
    expect(startOfDayIso('2026-03-08', 'America/New_York')).toBe('2026-03-08T00:00:00-05:00');
    expect(startOfDayIso('2026-08-10', 'Asia/Kathmandu')).toBe('2026-08-10T00:00:00+05:45');
    expect(dateSerial('1899-12-31')).toBe(1);
    expect(dateSerial('2026-08-10')).toBe(46244);
  });
});
