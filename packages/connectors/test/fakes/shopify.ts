import { createHmac, randomBytes } from 'node:crypto';
import { type FakeAnswer, type FakeRequest, type FakeServer, startFake } from './http-fake.ts';

export type FakeOrder = { createdAt: string; amount: string };
export type ShopifyMode = 'ok' | 'throttled' | '401' | '402' | '423' | 'access-denied' | 'internal';

/**
 * Shopify Admin GraphQL (`POST [/{shop}]/admin/api/{ver}/graphql.json`, `X-Shopify-Access-Token`) and the
 * token endpoint (`POST [/{shop}]/admin/oauth/access_token`: the authorization-code grant, for the shop
 * the code was issued for, and the refresh grant with rotating refresh tokens). `consent` answers the
 * install page with Shopify's signed redirect. Orders are filtered by the `created_at` bounds in
 * `variables.q`, paged with opaque cursors; every answer carries `extensions.cost`; THROTTLED is HTTP 429
 * with the GraphQL error body. A request that is not a JSON body with a `query` is 400, and a missing
 * `String!` variable `$q` is INVALID_VARIABLE, as Shopify answers them.
 */
export class FakeShopify {
  server!: FakeServer;
  readonly tokens = new Set<string>();
  readonly refreshTokens = new Set<string>();
  readonly client = { id: 'fake-shopify-client', secret: 'fake-shopify-secret' };
  readonly orders: FakeOrder[] = [];
  mode: ShopifyMode = 'ok';
  /** When set, the mode answers this many requests and then the fake is healthy again. */
  modeTimes: number | undefined;
  /** The bucket a THROTTLED answer reports: the wait is (requested - available) / restoreRate seconds. */
  throttle = { requested: 752, available: 252, restoreRate: 100 };
  /** What the bucket holds after an orders query (it costs `ordersCost`), as `extensions.cost` reports it. */
  bucket = { ordersCost: 252, available: 1748 };
  /** Access tokens issued for an authorization code, by shop. */
  readonly installs = new Map<string, string>();
  /** Code -> the shop it was issued for. */
  private readonly codes = new Map<string, string>();
  pageSize = 250;
  ianaTimezone = 'America/New_York';

  static async start(): Promise<FakeShopify> {
    const fake = new FakeShopify();
    fake.server = await startFake((request) => fake.handle(request));
    return fake;
  }

  /** For SHOPIFY_BASE_URL_TEMPLATE: the shop domain becomes the first path segment. */
  get template(): string {
    return `${this.server.baseUrl}/{shop}`;
  }

  issueRefreshToken(): string {
    const token = `shprt_${randomBytes(12).toString('hex')}`;
    this.refreshTokens.add(token);
    return token;
  }

  /**
   * The merchant approves the install page (`https://{shop}/admin/oauth/authorize?…`): the redirect back
   * with `code, host, shop, state, timestamp` (and any `extra` parameters), signed with the app's client
   * secret as Shopify signs it: sorted, each name and value form-encoded with a space as `%20`. `host`
   * keeps its base64 padding, so a value that needs encoding is always signed. `shop` lets a test have
   * Shopify answer for another shop than the page's, `timestamp` (seconds) date the redirect.
   */
  consent(authorizeUrl: string, options: { shop?: string; timestamp?: number; extra?: Record<string, string> } = {}): string {
    const page = new URL(authorizeUrl);
    const pageShop = /^\/([a-z0-9-]+\.myshopify\.com)\/admin\/oauth\/authorize$/.exec(page.pathname)?.[1];
    if (page.origin !== this.server.baseUrl || !pageShop) throw new Error(`not a shop's install page: ${authorizeUrl}`);
    if (page.searchParams.get('client_id') !== this.client.id) throw new Error('the install page names an unknown client id');
    if (!(page.searchParams.get('scope') ?? '').split(',').includes('read_orders')) throw new Error('no read_orders scope');
    const shop = options.shop ?? pageShop;
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, shop);
    const params: Record<string, string> = {
      code,
      host: Buffer.from(`admin.shopify.com/store/${shop.split('.')[0]}`).toString('base64'),
      shop,
      state: page.searchParams.get('state') ?? '',
      timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
      ...options.extra,
    };
    // Written out here rather than shared with the app, so the fake cannot agree with a wrong app.
    const encode = (text: string) =>
      encodeURIComponent(text).replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
    const message = Object.keys(params)
      .sort()
      .map((key) => `${encode(key)}=${encode(params[key] ?? '')}`)
      .join('&');
    const back = new URL(page.searchParams.get('redirect_uri') ?? '');
    for (const [key, value] of Object.entries(params)) back.searchParams.set(key, value);
    back.searchParams.set('hmac', createHmac('sha256', this.client.secret).update(message).digest('hex'));
    return back.toString();
  }

  private handle(request: FakeRequest): FakeAnswer {
    const shop = /^\/([^/]+\.myshopify\.com)/.exec(request.url.pathname)?.[1];
    const path = request.url.pathname.replace(/^\/[^/]+\.myshopify\.com/, '');
    if (request.method === 'POST' && path === '/admin/oauth/access_token') return this.accessToken(shop, request);
    if (request.method !== 'POST' || !/^\/admin\/api\/[\w-]+\/graphql\.json$/.test(path))
      return { status: 404, json: { errors: 'Not Found' } };
    const token = String(request.headers['x-shopify-access-token'] ?? '');
    if (!this.tokens.has(token) || this.mode === '401') {
      return { status: 401, json: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' } };
    }
    const restoreRate = this.throttle.restoreRate;
    const cost = (requested: number, actual: number | null, available: number) => ({
      cost: {
        requestedQueryCost: requested,
        actualQueryCost: actual,
        throttleStatus: { maximumAvailable: 2000, currentlyAvailable: available, restoreRate },
      },
    });
    if (this.mode !== 'ok' && this.modeTimes !== undefined && this.modeTimes-- <= 0) {
      this.mode = 'ok';
      this.modeTimes = undefined;
    }
    switch (this.mode) {
      case 'throttled':
        return {
          status: 429,
          json: {
            errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }],
            extensions: cost(this.throttle.requested, null, this.throttle.available),
          },
        };
      case '402':
        return { status: 402, json: { errors: 'Unavailable Shop' } };
      case '423':
        return { status: 423, json: { errors: 'Locked' } };
      case 'access-denied':
        return {
          json: {
            errors: [{ message: 'Access denied for orders field.', extensions: { code: 'ACCESS_DENIED' } }],
            extensions: cost(10, 1, 1990),
          },
        };
      case 'internal':
        return {
          json: {
            errors: [
              {
                message: 'Internal error. Looks like something went wrong on our end.',
                extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' },
              },
            ],
          },
        };
      default:
        break;
    }
    const parsed = graphqlRequest(request);
    if (!parsed) return { status: 400, json: { errors: { query: 'Required parameter missing or invalid' } } };
    const { query, variables } = parsed;
    if (/\$q\s*:\s*String!/.test(query) && typeof variables.q !== 'string') {
      return {
        json: {
          errors: [
            { message: 'Variable $q of type String! was provided invalid value', extensions: { code: 'INVALID_VARIABLE' } },
          ],
          extensions: cost(0, null, 2000),
        },
      };
    }
    if (/\bshop\s*\{/.test(query) && !/\borders\s*\(/.test(query)) {
      return {
        json: {
          data: { shop: { name: 'Fake Shop', ianaTimezone: this.ianaTimezone, currencyCode: 'CAD' } },
          extensions: cost(1, 1, 1999),
        },
      };
    }
    const from = /created_at:>='([^']+)'/.exec(variables.q ?? '')?.[1];
    const to = /created_at:<'([^']+)'/.exec(variables.q ?? '')?.[1];
    const matching = this.orders
      .map((order, index) => ({ ...order, id: `gid://shopify/Order/${1000 + index}` }))
      .filter(
        (order) =>
          (!from || Date.parse(order.createdAt) >= Date.parse(from)) && (!to || Date.parse(order.createdAt) < Date.parse(to)),
      );
    const start = variables.after ? Number(Buffer.from(variables.after, 'base64url').toString()) : 0;
    const page = matching.slice(start, start + this.pageSize);
    const end = start + page.length;
    return {
      json: {
        data: {
          orders: {
            nodes: page.map((order) => ({
              id: order.id,
              createdAt: order.createdAt,
              totalPriceSet: { shopMoney: { amount: order.amount, currencyCode: 'CAD' } },
            })),
            pageInfo: {
              hasNextPage: end < matching.length,
              endCursor: page.length ? Buffer.from(String(end)).toString('base64url') : null,
            },
          },
        },
        extensions: cost(this.bucket.ordersCost, 2 + page.length, this.bucket.available),
      },
    };
  }

  private accessToken(shop: string | undefined, request: FakeRequest): FakeAnswer {
    // Shopify's token endpoint reads a JSON body; a form post gets no token.
    if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) {
      return { status: 400, json: { error: 'invalid_request', error_description: 'The request body must be JSON' } };
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return { status: 400, json: { error: 'invalid_request', error_description: 'The request body is not valid JSON' } };
    }
    const form = new URLSearchParams(Object.entries(body).map(([key, value]) => [key, String(value)]));
    if (form.get('client_id') !== this.client.id || form.get('client_secret') !== this.client.secret) {
      return { status: 400, json: { error: 'invalid_client' } };
    }
    if (form.get('grant_type') === 'refresh_token') return this.refresh(form);
    // A code is good once, and only at the shop it was issued for.
    const code = form.get('code') ?? '';
    if (!shop || this.codes.get(code) !== shop) {
      return {
        status: 400,
        json: { error: 'invalid_request', error_description: 'The authorization code was not found or was already used' },
      };
    }
    this.codes.delete(code);
    const access = `shpat_${randomBytes(12).toString('hex')}`;
    this.tokens.add(access);
    this.installs.set(shop, access);
    if (form.get('expiring') !== '1') return { json: { access_token: access, scope: 'read_orders' } };
    return {
      json: {
        access_token: access,
        expires_in: 3600,
        refresh_token: this.issueRefreshToken(),
        refresh_token_expires_in: 7_776_000,
        scope: 'read_orders',
      },
    };
  }

  private refresh(form: URLSearchParams): FakeAnswer {
    const refresh = form.get('refresh_token') ?? '';
    if (!this.refreshTokens.has(refresh)) {
      return { status: 400, json: { error: 'invalid_grant', error_description: 'refresh token is invalid or expired' } };
    }
    this.refreshTokens.delete(refresh);
    const access = `shpat_${randomBytes(12).toString('hex')}`;
    this.tokens.add(access);
    return {
      json: {
        access_token: access,
        expires_in: 3600,
        refresh_token: this.issueRefreshToken(),
        refresh_token_expires_in: 7_776_000,
        scope: 'read_orders',
      },
    };
  }
}

/**
 * The GraphQL request as Shopify reads it: a JSON body (`Content-Type: application/json`) with a `query`
 * string. Anything else is Shopify's 400 "Required parameter missing or invalid".
 */
function graphqlRequest(request: FakeRequest): { query: string; variables: { q?: string; after?: string | null } } | undefined {
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) return undefined;
  try {
    const body = JSON.parse(request.body) as { query?: unknown; variables?: unknown };
    if (typeof body.query !== 'string' || !body.query.trim()) return undefined;
    const variables = typeof body.variables === 'object' && body.variables ? body.variables : {};
    return { query: body.query, variables: variables as { q?: string; after?: string | null } };
  } catch {
    return undefined;
  }
}
