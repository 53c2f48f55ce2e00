import { randomBytes } from 'node:crypto';
import { type FakeAnswer, type FakeRequest, type FakeServer, startFake } from './http-fake.ts';

export type FakeOrder = { createdAt: string; amount: string };
export type ShopifyMode = 'ok' | 'throttled' | '401' | '402' | '423' | 'access-denied' | 'internal';

/**
 * Shopify Admin GraphQL (`POST [/{shop}]/admin/api/{ver}/graphql.json`, `X-Shopify-Access-Token`) and the
 * token endpoint (`POST [/{shop}]/admin/oauth/access_token`, refresh grant with rotating refresh tokens).
 * Orders are filtered by the `created_at` bounds in `variables.q`, paged with opaque cursors; every
 * answer carries `extensions.cost`; THROTTLED is HTTP 429 with the GraphQL error body.
 */
export class FakeShopify {
  server!: FakeServer;
  readonly tokens = new Set<string>();
  readonly refreshTokens = new Set<string>();
  readonly client = { id: 'fake-shopify-client', secret: 'fake-shopify-secret' };
  readonly orders: FakeOrder[] = [];
  mode: ShopifyMode = 'ok';
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

  private handle(request: FakeRequest): FakeAnswer {
    const path = request.url.pathname.replace(/^\/[^/]+\.myshopify\.com/, '');
    if (request.method === 'POST' && path === '/admin/oauth/access_token') return this.refresh(new URLSearchParams(request.body));
    if (request.method !== 'POST' || !/^\/admin\/api\/[\w-]+\/graphql\.json$/.test(path))
      return { status: 404, json: { errors: 'Not Found' } };
    const token = String(request.headers['x-shopify-access-token'] ?? '');
    if (!this.tokens.has(token) || this.mode === '401') {
      return { status: 401, json: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' } };
    }
    const cost = (requested: number, actual: number | null, available: number) => ({
      cost: {
        requestedQueryCost: requested,
        actualQueryCost: actual,
        throttleStatus: { maximumAvailable: 2000, currentlyAvailable: available, restoreRate: 100 },
      },
    });
    switch (this.mode) {
      case 'throttled':
        return {
          status: 429,
          json: { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }], extensions: cost(752, null, 252) },
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
    const { query, variables } = JSON.parse(request.body) as { query: string; variables: { q?: string; after?: string | null } };
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
        extensions: cost(252, 2 + page.length, 1748),
      },
    };
  }

  private refresh(form: URLSearchParams): FakeAnswer {
    if (form.get('client_id') !== this.client.id || form.get('client_secret') !== this.client.secret) {
      return { status: 400, json: { error: 'invalid_client' } };
    }
    const refresh = form.get('refresh_token') ?? '';
    if (form.get('grant_type') !== 'refresh_token' || !this.refreshTokens.has(refresh)) {
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
