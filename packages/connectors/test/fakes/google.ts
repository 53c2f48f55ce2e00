import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { checkJwtGrant } from './google-jwt.ts';
import {
  bearer,
  datesBetween,
  type FakeAnswer,
  type FakeRequest,
  type FakeServer,
  rpcError,
  serviceDisabled,
  startFake,
} from './http-fake.ts';

export type Ga4Day = { sessions: number; users: number; keyEvents: number; purchases: number; revenue: number };
export type Ga4Mode = 'ok' | '403' | '429' | '429-daily' | '503' | '401' | 'service-disabled';

/**
 * Google's OAuth token endpoint (`POST /token`: refresh_token and jwt-bearer grants, rotating refresh
 * tokens, an `invalid_grant` mode) and the GA4 Data API (`POST /v1beta/properties/{id}:runReport`),
 * one server, since both are Google: headers echoed in order, values as strings, `YYYYMMDD` dates, no
 * `rows` for an empty day, limit/offset paging, google.rpc.Status errors. Like GA4, a metric or
 * dimension name outside the API schema is 400 INVALID_ARGUMENT (`conversions` included: it is
 * `keyEvents` now), as is a report without a date range.
 */
export class FakeGoogle {
  server!: FakeServer;
  readonly client = { id: 'fake-client-id.apps.googleusercontent.com', secret: 'fake-client-secret' };
  readonly refreshTokens = new Set<string>();
  readonly accessTokens = new Set<string>();
  /** Service-account email -> the public key of its (one) key; deleting it revokes the key. */
  readonly serviceAccounts = new Map<string, KeyObject>();
  /** The scope each service-account token was granted for (refresh-token grants are not tracked). */
  private readonly tokenScopes = new Map<string, string>();
  /** Authorization codes the consent page "issued" (one use each). */
  readonly codes = new Set<string>();
  readonly days = new Map<string, Ga4Day>();
  rotateRefreshTokens = true;
  tokenMode: 'ok' | 'invalid_grant' = 'ok';
  mode: Ga4Mode = 'ok';
  /** Extra handlers (the Sheets fake shares this server's tokens through its own). */
  timeZone = 'America/Los_Angeles';
  /** The property's quotas, answered only to a runReport that asks (`returnPropertyQuota: true`). */
  propertyQuota: Record<string, { consumed: number; remaining: number }> = {
    tokensPerDay: { consumed: 12, remaining: 199_988 },
    tokensPerHour: { consumed: 12, remaining: 39_988 },
    concurrentRequests: { consumed: 0, remaining: 10 },
    serverErrorsPerProjectPerHour: { consumed: 0, remaining: 10 },
    potentiallyThresholdedRequestsPerHour: { consumed: 0, remaining: 120 },
    tokensPerProjectPerHour: { consumed: 12, remaining: 13_988 },
  };

  static async start(): Promise<FakeGoogle> {
    const fake = new FakeGoogle();
    fake.server = await startFake((request) => fake.handle(request));
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }
  get tokenUrl(): string {
    return `${this.server.baseUrl}/token`;
  }

  /** A refresh token as the consent flow would have issued it. */
  issueRefreshToken(): string {
    const token = `1//fake-refresh-${randomBytes(12).toString('hex')}`;
    this.refreshTokens.add(token);
    return token;
  }

  /**
   * "Create key" in the Cloud console: a new RSA key pair for the service account; Google keeps the
   * public half and hands out the JSON key file with the private half. `privateKeyPem` registers a key
   * made elsewhere (a fixture too slow to generate in a test), `modulusLength` sizes a generated one.
   */
  createServiceAccountKey(
    email = `kpi-sync-${randomBytes(3).toString('hex')}@fake-project.iam.gserviceaccount.com`,
    options: { modulusLength?: number; privateKeyPem?: string } = {},
  ): string {
    const privateKey = options.privateKeyPem
      ? createPrivateKey(options.privateKeyPem)
      : generateKeyPairSync('rsa', { modulusLength: options.modulusLength ?? 2048 }).privateKey;
    this.serviceAccounts.set(email, createPublicKey(privateKey));
    return JSON.stringify({
      type: 'service_account',
      project_id: 'fake-project',
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: email,
      client_id: '1234567890',
      token_uri: this.tokenUrl,
    });
  }

  private handle(request: FakeRequest): FakeAnswer {
    if (request.method === 'POST' && request.url.pathname === '/token') return this.token(new URLSearchParams(request.body));
    const path = decodeURIComponent(request.url.pathname);
    const cut = path.lastIndexOf(':');
    const match = /^\/v1beta\/properties\/(\d+)$/.exec(path.slice(0, cut));
    if (request.method !== 'POST' || !match || path.slice(cut + 1) !== 'runReport')
      return rpcError(404, 'NOT_FOUND', 'Not found');
    const token = bearer(request);
    if (!token || !this.accessTokens.has(token) || this.mode === '401') {
      return rpcError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
    }
    const scope = this.tokenScopes.get(token);
    if (scope !== undefined && !scope.split(' ').includes('https://www.googleapis.com/auth/analytics.readonly')) {
      return rpcError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.');
    }
    if (this.mode === '403')
      return rpcError(403, 'PERMISSION_DENIED', 'User does not have sufficient permissions for this property.');
    if (this.mode === '429')
      return rpcError(429, 'RESOURCE_EXHAUSTED', 'Exhausted property tokens per hour for a project per property.');
    if (this.mode === '429-daily') return rpcError(429, 'RESOURCE_EXHAUSTED', 'Exhausted property tokens per day.');
    if (this.mode === '503') return rpcError(503, 'UNAVAILABLE', 'The service is currently unavailable.');
    if (this.mode === 'service-disabled') return serviceDisabled('Google Analytics Data API', 'analyticsdata.googleapis.com');
    const body = JSON.parse(request.body);
    return invalidReport(body) ?? this.runReport(body);
  }

  private runReport(body: {
    dateRanges: Array<{ startDate: string; endDate: string }>;
    metrics: Array<{ name: string }>;
    limit?: string;
    offset?: string;
    returnPropertyQuota?: boolean;
  }): FakeAnswer {
    const range = body.dateRanges[0] as { startDate: string; endDate: string };
    const resolve = (value: string) =>
      value === 'yesterday' ? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10) : value;
    const dates = datesBetween(resolve(range.startDate), resolve(range.endDate)).filter((date) => this.days.has(date));
    const limit = Number(body.limit ?? 10_000);
    const offset = Number(body.offset ?? 0);
    const pick: Record<string, (day: Ga4Day) => string> = {
      sessions: (d) => String(d.sessions),
      totalUsers: (d) => String(d.users),
      keyEvents: (d) => String(d.keyEvents),
      ecommercePurchases: (d) => String(d.purchases),
      purchaseRevenue: (d) => String(d.revenue),
    };
    const rows = dates.slice(offset, offset + limit).map((date) => ({
      dimensionValues: [{ value: date.replaceAll('-', '') }],
      metricValues: body.metrics.map((metric) => ({ value: pick[metric.name]?.(this.days.get(date) as Ga4Day) ?? '0' })),
    }));
    return {
      json: {
        dimensionHeaders: [{ name: 'date' }],
        metricHeaders: body.metrics.map((metric) => ({
          name: metric.name,
          type: metric.name === 'purchaseRevenue' ? 'TYPE_CURRENCY' : 'TYPE_INTEGER',
        })),
        ...(rows.length ? { rows, rowCount: dates.length } : {}),
        metadata: { currencyCode: 'EUR', timeZone: this.timeZone },
        ...(body.returnPropertyQuota === true ? { propertyQuota: this.propertyQuota } : {}),
        kind: 'analyticsData#runReport',
      },
    };
  }

  private token(form: URLSearchParams): FakeAnswer {
    const grant = form.get('grant_type');
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const claims = checkJwtGrant(form.get('assertion') ?? '', {
        keys: this.serviceAccounts,
        audience: this.tokenUrl,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      if (!('iss' in claims)) return claims;
      const token = this.newAccessToken();
      this.tokenScopes.set(token, claims.scope);
      return { json: { access_token: token, expires_in: 3599, token_type: 'Bearer' } };
    }
    if (grant === 'authorization_code') {
      if (!this.codes.delete(form.get('code') ?? ''))
        return { status: 400, json: { error: 'invalid_grant', error_description: 'Malformed auth code.' } };
      return {
        json: {
          access_token: this.newAccessToken(),
          expires_in: 3599,
          refresh_token: this.issueRefreshToken(),
          token_type: 'Bearer',
        },
      };
    }
    if (grant !== 'refresh_token') return { status: 400, json: { error: 'unsupported_grant_type' } };
    if (form.get('client_id') !== this.client.id || form.get('client_secret') !== this.client.secret) {
      return { status: 401, json: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } };
    }
    const refresh = form.get('refresh_token') ?? '';
    if (this.tokenMode === 'invalid_grant' || !this.refreshTokens.has(refresh)) {
      return { status: 400, json: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } };
    }
    const answer: Record<string, unknown> = {
      access_token: this.newAccessToken(),
      expires_in: 3599,
      scope: 'https://www.googleapis.com/auth/analytics.readonly',
      token_type: 'Bearer',
    };
    if (this.rotateRefreshTokens) {
      this.refreshTokens.delete(refresh);
      answer.refresh_token = this.issueRefreshToken();
    }
    return { json: answer };
  }

  private newAccessToken(): string {
    const token = `ya29.fake-${randomBytes(16).toString('hex')}`;
    this.accessTokens.add(token);
    return token;
  }
}

/** The part of the Data API schema the fake knows; the values it has no data for report as zero. */
const METRICS = new Set([
  'activeUsers',
  'ecommercePurchases',
  'engagedSessions',
  'eventCount',
  'keyEvents',
  'newUsers',
  'purchaseRevenue',
  'screenPageViews',
  'sessions',
  'totalRevenue',
  'totalUsers',
]);
const DIMENSIONS = new Set(['date', 'dateHour', 'country', 'deviceCategory', 'sessionDefaultChannelGroup']);

/** GA4's 400 INVALID_ARGUMENT for a request it cannot run, or undefined for a valid one. */
function invalidReport(body: {
  dateRanges?: unknown[];
  metrics?: Array<{ name?: string }>;
  dimensions?: Array<{ name?: string }>;
}): FakeAnswer | undefined {
  const schema =
    'For a list of valid dimensions and metrics, see https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema';
  for (const { name } of body.metrics ?? []) {
    if (!METRICS.has(name ?? '')) return rpcError(400, 'INVALID_ARGUMENT', `Field ${name} is not a valid metric. ${schema}`);
  }
  for (const { name } of body.dimensions ?? []) {
    if (!DIMENSIONS.has(name ?? ''))
      return rpcError(400, 'INVALID_ARGUMENT', `Field ${name} is not a valid dimension. ${schema}`);
  }
  if (!body.dateRanges?.length) return rpcError(400, 'INVALID_ARGUMENT', 'Must specify at least one date range.');
  return undefined;
}
