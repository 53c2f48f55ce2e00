import { SOURCES } from '@kpi/sources';
import { ConnectorError } from './errors.ts';
import { type HttpResponse, httpRequest } from './http.ts';
import { type KpiRow, sumMoney, toInt } from './kpi-rows.ts';
import { metaBudget } from './quota-signals.ts';
import { type ConnectorSettings, trimSlash } from './settings.ts';

type InsightsRow = {
  spend?: string;
  impressions?: string;
  clicks?: string;
  actions?: Array<{ action_type: string; value: string }>;
  account_currency?: string;
  date_start?: string;
};
type InsightsPage = { data?: InsightsRow[]; paging?: { next?: string; cursors?: { after?: string } } };

export const META_FIELDS = 'spend,impressions,clicks,actions,account_currency';
export const DEFAULT_CONVERSION_ACTIONS = ['purchase'];

const accountPath = (settings: ConnectorSettings, accountId: string) =>
  `${trimSlash(settings.metaBaseUrl)}/${settings.metaApiVersion}/act_${SOURCES.meta.account.normalise(accountId)}`;

/**
 * Account-level insights per day for [since, until] in the ad account's own time zone, following
 * `paging.next` to the end. A day without delivery is simply absent (Meta answers `data: []`).
 */
export async function fetchMetaInsights(
  settings: ConnectorSettings,
  options: { accountId: string; token: string; since: string; until: string; limit?: number; signal?: AbortSignal },
): Promise<InsightsRow[]> {
  const first = new URL(`${accountPath(settings, options.accountId)}/insights`);
  first.searchParams.set('fields', META_FIELDS);
  first.searchParams.set('level', 'account');
  first.searchParams.set('time_increment', '1');
  first.searchParams.set('time_range', JSON.stringify({ since: options.since, until: options.until }));
  if (options.limit) first.searchParams.set('limit', String(options.limit));
  const rows: InsightsRow[] = [];
  let url: URL | undefined = first;
  for (let page = 0; url && page < 1000; page++) {
    // paging.next is absolute: follow it only to the configured host, so the token never goes elsewhere.
    if (url.origin !== first.origin)
      throw new ConnectorError(`Meta paging pointed at ${url.host}; refusing to follow`, 'transient', 'source');
    // Graph copies a query-string token into paging.next; the token travels in the header only.
    url.searchParams.delete('access_token');
    const response = await graphGet(settings, url, options.token, options.signal, options.accountId);
    if (response.status !== 200) throw classifyMetaError(response);
    const body = response.body as InsightsPage;
    rows.push(...(body.data ?? []));
    url = body.paging?.next ? new URL(body.paging.next) : undefined;
  }
  return rows;
}

/** One day's rows summed into the fixed KPI row (zeros for a day without delivery). */
export function metaKpis(rows: InsightsRow[], conversionActions: string[] = DEFAULT_CONVERSION_ACTIONS): KpiRow {
  const wanted = new Set(conversionActions);
  return {
    spend: sumMoney(rows.map((row) => row.spend)),
    impressions: rows.reduce((sum, row) => sum + toInt(row.impressions), 0),
    clicks: rows.reduce((sum, row) => sum + toInt(row.clicks), 0),
    conversions: rows.reduce(
      (sum, row) =>
        sum + (row.actions ?? []).filter((a) => wanted.has(a.action_type)).reduce((s, a) => s + Number(a.value || 0), 0),
      0,
    ),
    currency: rows.find((row) => row.account_currency)?.account_currency ?? '',
  };
}

/** The "Test connection" call: the ad account's name, currency and time zone. */
export async function fetchMetaAccount(
  settings: ConnectorSettings,
  options: { accountId: string; token: string; signal?: AbortSignal },
): Promise<{ name?: string; currency?: string; timezone_name?: string }> {
  const url = new URL(accountPath(settings, options.accountId));
  url.searchParams.set('fields', 'name,currency,timezone_name');
  const response = await graphGet(settings, url, options.token, options.signal, options.accountId);
  if (response.status !== 200) throw classifyMetaError(response);
  return response.body as { name?: string; currency?: string; timezone_name?: string };
}

/**
 * The token goes in `Authorization: Bearer`, which the Graph API accepts like the `access_token` query
 * parameter, so it never appears in a URL: not in proxy or access logs, not in an error that quotes one.
 * Each call holds a Meta slot and is paced by the app's and the ad account's usage headers.
 */
function graphGet(
  settings: ConnectorSettings,
  url: URL,
  token: string,
  signal: AbortSignal | undefined,
  accountId: string,
): Promise<HttpResponse> {
  return httpRequest(settings, url.toString(), {
    method: 'GET',
    headers: { authorization: `Bearer ${token}` },
    target: 'source',
    signal,
    budget: metaBudget(SOURCES.meta.account.normalise(accountId)),
  });
}

type MetaErrorBody = {
  error?: { message?: string; code?: number; error_subcode?: number; error_user_msg?: string; fbtrace_id?: string };
};

/**
 * Meta puts the meaning in `error.code` (and throttles arrive in the body, not only as HTTP 429), so
 * we branch on the code: see the Graph API error-handling guide and the Ads Insights error codes.
 */
export function classifyMetaError(response: HttpResponse): ConnectorError {
  const error = (response.body as MetaErrorBody | undefined)?.error;
  const code = error?.code;
  const subcode = error?.error_subcode;
  const text = error?.error_user_msg || error?.message || `HTTP ${response.status}`;
  const trace = error?.fbtrace_id ? ` (fbtrace_id ${error.fbtrace_id})` : '';
  if (code === undefined) {
    // No Graph error body (a proxy or an outage page): nothing says it is permanent, so try again later.
    return new ConnectorError(`Meta answered HTTP ${response.status} without an error body`, 'transient', 'source');
  }
  // 104: no token reached Graph at all ("An access token is required to request this resource").
  if (code === 190 || code === 102 || code === 104) {
    return new ConnectorError(`Meta rejected the access token: ${text}. Reconnect Meta.${trace}`, 'auth', 'source');
  }
  if ([4, 17, 32, 341, 613].includes(code) || (code >= 80000 && code <= 80014)) {
    return new ConnectorError(
      `Meta rate limit reached (code ${code}): ${text}`,
      'rate_limited',
      'source',
      metaWaitMs(response.headers),
    );
  }
  if (code === 2 && (subcode === 1504041 || subcode === 1504042)) {
    // Code 2 is otherwise downtime, but these subcodes reject the request itself (1504041: invalid
    // breakdowns, 1504042: invalid custom metrics): the same request fails the same way on every retry.
    return new ConnectorError(
      `Meta rejected the request as invalid (code 2/${subcode}): ${text}; the same request will fail again.${trace}`,
      'config',
      'source',
    );
  }
  if (code === 1 || code === 2 || code === 368 || (code === 100 && subcode === 1504018)) {
    return new ConnectorError(
      `Meta had a temporary problem (code ${code}${subcode ? `/${subcode}` : ''}): ${text}${trace}`,
      'transient',
      'source',
    );
  }
  if (code === 10 || (code >= 200 && code <= 299)) {
    return new ConnectorError(
      `Meta denied access to the ad account: ${text}. The token needs ads_read on this account.`,
      'permission',
      'source',
    );
  }
  if (code === 100)
    return new ConnectorError(`Meta rejected the request: ${text}. Check the ad account id.${trace}`, 'config', 'source');
  return new ConnectorError(`Meta error ${code}: ${text}${trace}`, response.status >= 500 ? 'transient' : 'config', 'source');
}

/**
 * How long Meta says to wait: `estimated_time_to_regain_access` (minutes) in X-Business-Use-Case-Usage,
 * else X-Ad-Account-Usage's `reset_time_duration` (seconds). Undefined falls back to the retry delay.
 */
export function metaWaitMs(headers: Headers): number | undefined {
  let minutes = 0;
  try {
    const usage = JSON.parse(headers.get('x-business-use-case-usage') ?? '{}') as Record<string, Array<Record<string, unknown>>>;
    for (const entries of Object.values(usage)) {
      for (const entry of entries ?? []) minutes = Math.max(minutes, Number(entry.estimated_time_to_regain_access ?? 0) || 0);
    }
  } catch {
    // An unparsable header is no hint.
  }
  if (minutes > 0) return minutes * 60_000;
  try {
    const account = JSON.parse(headers.get('x-ad-account-usage') ?? '{}') as { reset_time_duration?: number };
    if (account.reset_time_duration && account.reset_time_duration > 0) return account.reset_time_duration * 1000;
  } catch {
    // As above.
  }
  return undefined;
}
