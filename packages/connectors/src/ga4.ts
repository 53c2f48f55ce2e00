import type { Target } from './errors.ts';
import { classifyGoogleError } from './google-errors.ts';
import { type HttpResponse, httpRequest } from './http.ts';
import { type KpiRow, sumMoney, toInt } from './kpi-rows.ts';
import { ga4Budget } from './quota-signals.ts';
import { type ConnectorSettings, trimSlash } from './settings.ts';

// `conversions` became `keyEvents` in the Data API (changelog, 2024-05).
export const GA4_METRICS = ['sessions', 'totalUsers', 'keyEvents', 'ecommercePurchases', 'purchaseRevenue'] as const;

type Ga4Report = {
  dimensionHeaders?: Array<{ name: string }>;
  metricHeaders?: Array<{ name: string; type?: string }>;
  rows?: Array<{ dimensionValues?: Array<{ value?: string }>; metricValues?: Array<{ value?: string }> }>;
  rowCount?: number;
  metadata?: { currencyCode?: string; timeZone?: string };
};

export type Ga4Result = { rows: Array<Record<string, string>>; currencyCode?: string; timeZone?: string };

/** A bearer-authorised call that refreshes the token once on 401 before it gives up. */
export type GoogleCall = (send: (token: string) => Promise<HttpResponse>) => Promise<HttpResponse>;

/**
 * `runReport` by day for [startDate, endDate] in the property's own time zone, paged with limit/offset
 * until `rowCount` rows are read. A day without data has no `rows` at all: that is zeros, not an error.
 */
export async function runGa4Report(
  settings: ConnectorSettings,
  call: GoogleCall,
  options: {
    propertyId: string;
    startDate: string;
    endDate: string;
    metrics?: readonly string[];
    pageSize?: number;
    signal?: AbortSignal;
  },
): Promise<Ga4Result> {
  const url = `${trimSlash(settings.ga4BaseUrl)}/v1beta/properties/${encodeURIComponent(options.propertyId)}:runReport`;
  const metrics = options.metrics ?? GA4_METRICS;
  const limit = options.pageSize ?? 10_000;
  const rows: Array<Record<string, string>> = [];
  let result: Ga4Report = {};
  for (let offset = 0; ; offset += limit) {
    const body = {
      dateRanges: [{ startDate: options.startDate, endDate: options.endDate }],
      dimensions: [{ name: 'date' }],
      metrics: metrics.map((name) => ({ name })),
      limit: String(limit),
      offset: String(offset),
      returnPropertyQuota: true,
    };
    const response = await call((token) =>
      httpRequest(settings, url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        target: 'source' satisfies Target,
        signal: options.signal,
        budget: ga4Budget(options.propertyId),
      }),
    );
    if (response.status !== 200) throw classifyGoogleError(response, 'source', 'Google Analytics');
    result = response.body as Ga4Report;
    const names = (result.metricHeaders ?? []).map((header) => header.name);
    for (const row of result.rows ?? []) {
      const record: Record<string, string> = { date: row.dimensionValues?.[0]?.value ?? '' };
      names.forEach((name, i) => {
        record[name] = row.metricValues?.[i]?.value ?? '0';
      });
      rows.push(record);
    }
    if (!result.rows?.length || offset + limit >= (result.rowCount ?? 0)) break;
  }
  return { rows, currencyCode: result.metadata?.currencyCode, timeZone: result.metadata?.timeZone };
}

export function ga4Kpis(result: Ga4Result): KpiRow {
  const sum = (name: string) => result.rows.reduce((total, row) => total + toInt(row[name]), 0);
  return {
    sessions: sum('sessions'),
    users: sum('totalUsers'),
    key_events: sum('keyEvents'),
    purchases: sum('ecommercePurchases'),
    revenue: sumMoney(result.rows.map((row) => row.purchaseRevenue)),
    currency: result.currencyCode ?? '',
  };
}
