import { bearer, datesBetween, type FakeAnswer, type FakeRequest, type FakeServer, graphError, startFake } from './http-fake.ts';
import { FakeMetaLogin } from './meta-login.ts';

type AccountUsage = { call_count: number; total_cputime: number; total_time: number; estimated_time_to_regain_access: number };
export type MetaDay = { spend: number; impressions: number; clicks: number; purchases?: number };
export type MetaMode =
  | 'ok'
  | 'throttle-17'
  | 'throttle-613'
  | 'throttle-80000'
  | 'transient-2'
  | 'invalid-breakdowns'
  | 'invalid-custom-metrics'
  | 'permission-10'
  | 'permission-200';

/**
 * Meta Graph API, Ads Insights: `GET /v{ver}/act_{id}/insights` and `GET /v{ver}/act_{id}`. Numbers are
 * strings, a day without delivery has no row, `paging.next` points at this fake, errors are Graph's
 * `{"error":{message,type,code,error_subcode,fbtrace_id}}` with the usage headers Meta sends on throttles.
 * Every answer is labelled `text/javascript; charset=UTF-8`, as Graph has been seen labelling its JSON.
 * The token is read from `Authorization: Bearer` only, so a client that puts it in the URL is refused
 * (code 104, as Graph answers a request without a token); unknown insights fields are code 100.
 * Facebook Login's code exchange (`GET /v{ver}/oauth/access_token`) is `login`'s.
 */
export class FakeMeta {
  server!: FakeServer;
  readonly tokens = new Set<string>();
  readonly days = new Map<string, MetaDay>();
  /** The ad account's `timezone_name`, as Graph names it. */
  timezoneName = 'America/New_York';
  readonly login = new FakeMetaLogin(this.tokens);
  mode: MetaMode = 'ok';
  /** When set, the mode answers this many requests and then the fake is healthy again. */
  modeTimes: number | undefined;
  pageSize = 25;
  currency = 'USD';
  /**
   * Usage Meta reports on every answer, in percent of the hour's budget: `x-app-usage` for the app and
   * `x-business-use-case-usage` for the ad account (with `estimated_time_to_regain_access` in minutes).
   */
  usage: {
    app?: { call_count: number; total_cputime: number; total_time: number };
    account?: AccountUsage;
    /** `x-ad-account-usage`, the per-account header of older Graph versions. */
    adAccount?: { acc_id_util_pct: number; reset_time_duration: number };
  } = {};

  static async start(): Promise<FakeMeta> {
    const fake = new FakeMeta();
    fake.server = await startFake((request, baseUrl) => {
      const answer = fake.handle(request, baseUrl);
      return {
        ...answer,
        headers: { 'content-type': 'text/javascript; charset=UTF-8', ...fake.usageHeaders(request), ...answer.headers },
      };
    });
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  private handle(request: FakeRequest, baseUrl: string): FakeAnswer {
    const url = request.url;
    if (/^\/v\d+\.\d+\/oauth\/access_token$/.test(url.pathname)) return this.login.accessToken(url.searchParams);
    const match = /^\/(v\d+\.\d+)\/act_(\d+)(\/insights)?$/.exec(url.pathname);
    if (!match) return graphError(400, 100, 'Unsupported get request.', 33);
    const token = bearer(request);
    if (!token) return graphError(400, 104, 'An access token is required to request this resource.');
    if (!this.tokens.has(token)) {
      return graphError(
        400,
        190,
        'Error validating access token: Session has expired on Monday, 10-Aug-26.',
        463,
        'OAuthException',
      );
    }
    const failure = this.failure(match[2] as string);
    if (failure) return failure;
    if (!match[3])
      return { json: { name: 'Fake Ads', currency: this.currency, timezone_name: this.timezoneName, id: `act_${match[2]}` } };
    const fields = (url.searchParams.get('fields') ?? '').split(',');
    const unknown = fields.find((field) => !INSIGHTS_FIELDS.has(field));
    if (unknown !== undefined) {
      return graphError(
        400,
        100,
        `(#100) ${unknown} is not valid for fields param. please check https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ for all valid values`,
      );
    }
    const level = url.searchParams.get('level') ?? 'ad';
    if (!['account', 'campaign', 'adset', 'ad'].includes(level))
      return graphError(400, 100, `(#100) param level must be one of {ad, adset, campaign, account}`);
    const range = timeRange(url.searchParams.get('time_range'));
    // Graph defaults a missing time_range to last_30d; the fake serves explicit ranges only.
    if (!range) return graphError(400, 100, '(#100) time_range must be a JSON object with since and until dates');
    const all = datesBetween(range.since, range.until).filter((date) => this.days.has(date));
    const limit = Number(url.searchParams.get('limit') ?? this.pageSize);
    const offset = url.searchParams.get('after')
      ? Number(Buffer.from(url.searchParams.get('after') as string, 'base64').toString())
      : 0;
    const data = all.slice(offset, offset + limit).map((date) => this.row(date, fields));
    const cursor = (n: number) => Buffer.from(String(n)).toString('base64');
    const paging: Record<string, unknown> = { cursors: { before: cursor(offset), after: cursor(offset + data.length) } };
    if (offset + data.length < all.length) {
      const next = new URL(url.pathname, baseUrl);
      for (const [key, value] of url.searchParams) next.searchParams.set(key, value);
      next.searchParams.set('after', cursor(offset + data.length));
      next.searchParams.set('limit', String(limit));
      paging.next = next.toString();
    }
    return { json: data.length ? { data, paging } : { data: [] } };
  }

  private usageHeaders(request: FakeRequest): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.usage.app) headers['x-app-usage'] = JSON.stringify(this.usage.app);
    const account = /\/act_(\d+)/.exec(request.url.pathname)?.[1];
    if (this.usage.account && account) {
      headers['x-business-use-case-usage'] = JSON.stringify({
        [account]: [{ type: 'ads_insights', ads_api_access_tier: 'standard_access', ...this.usage.account }],
      });
    }
    if (this.usage.adAccount && account) headers['x-ad-account-usage'] = JSON.stringify(this.usage.adAccount);
    return headers;
  }

  private row(date: string, fields: string[]): Record<string, unknown> {
    const day = this.days.get(date) as MetaDay;
    const row: Record<string, unknown> = {};
    if (fields.includes('spend')) row.spend = day.spend.toFixed(2);
    if (fields.includes('impressions')) row.impressions = String(day.impressions);
    if (fields.includes('clicks')) row.clicks = String(day.clicks);
    if (fields.includes('account_currency')) row.account_currency = this.currency;
    if (fields.includes('actions') && day.purchases !== undefined) {
      row.actions = [
        { action_type: 'link_click', value: String(day.clicks) },
        { action_type: 'purchase', value: String(day.purchases) },
      ];
    }
    return { ...row, date_start: date, date_stop: date };
  }

  private failure(accountId: string): FakeAnswer | undefined {
    if (this.mode !== 'ok' && this.modeTimes !== undefined && this.modeTimes-- <= 0) {
      this.mode = 'ok';
      this.modeTimes = undefined;
    }
    const buc = JSON.stringify({
      [accountId]: [
        { type: 'ads_insights', call_count: 102, total_cputime: 20, total_time: 30, estimated_time_to_regain_access: 7 },
      ],
    });
    switch (this.mode) {
      case 'throttle-17':
        return {
          ...graphError(400, 17, 'User request limit reached', 2446079),
          headers: { 'x-app-usage': '{"call_count":100,"total_cputime":10,"total_time":12}' },
        };
      case 'throttle-613':
        return {
          ...graphError(400, 613, 'Calls to this api have exceeded the rate limit.', 1487742),
          headers: { 'x-ad-account-usage': '{"acc_id_util_pct":100,"reset_time_duration":120}' },
        };
      case 'throttle-80000':
        return {
          ...graphError(400, 80000, 'There have been too many calls from this ad-account.', 2446079),
          headers: { 'x-business-use-case-usage': buc },
        };
      case 'transient-2':
        return graphError(500, 2, 'An unexpected error has occurred. Please retry your request later.');
      case 'invalid-breakdowns':
        return graphError(400, 2, 'Invalid breakdowns combination.', 1504041, 'GraphMethodException');
      case 'invalid-custom-metrics':
        return graphError(400, 2, 'Invalid custom metrics.', 1504042, 'GraphMethodException');
      case 'permission-10':
        return graphError(400, 10, 'Application does not have permission for this action');
      case 'permission-200':
        return graphError(403, 200, 'Requires ads_read permission');
      default:
        return undefined;
    }
  }
}

function timeRange(text: string | null): { since: string; until: string } | undefined {
  try {
    const range = JSON.parse(text ?? '') as { since?: unknown; until?: unknown };
    const date = /^\d{4}-\d{2}-\d{2}$/;
    if (typeof range.since === 'string' && typeof range.until === 'string' && date.test(range.since) && date.test(range.until))
      return { since: range.since, until: range.until };
  } catch {
    // Not JSON: refused by the caller, as Graph refuses it.
  }
  return undefined;
}

/** A subset of the Ads Insights fields (the ones a KPI sync could ask for); anything else is refused. */
const INSIGHTS_FIELDS = new Set([
  'account_currency',
  'account_id',
  'account_name',
  'action_values',
  'actions',
  'clicks',
  'cpc',
  'cpm',
  'ctr',
  'date_start',
  'date_stop',
  'frequency',
  'impressions',
  'purchase_roas',
  'reach',
  'spend',
]);
