import { timingSafeEqual } from 'node:crypto';
import {
  type ApiDeps,
  AppError,
  accountIdFor,
  connectionUpsertInput,
  connectorsOf,
  consumeOAuthState,
  getSheet,
  issueOAuthState,
  listConnections,
  OAUTH_STATE_TTL_MS,
  type OAuthContext,
  type OAuthErrorCode,
  type OAuthTarget,
  removeConnection,
  removeSheet,
  type Service,
  saveConnection,
  saveSheet,
  serviceInput,
  sheetUpsertInput,
  testConnection,
  testSheet,
  upsertConnection,
  upsertSheet,
} from '@kpi/api';
import { ConnectorError } from '@kpi/connectors';
import { DEFAULT_TABS, providerOf } from '@kpi/sources';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireViewer } from '../plugins/authenticate.ts';

const OAUTH_COOKIE = 'kpi_oauth';
/** Where the browser lands after an OAuth flow; the UI reads `connected` or `error` from the query. */
const UI_PATH = '/connections';

function parseService(raw: unknown): Service {
  const parsed = serviceInput.safeParse(raw);
  if (!parsed.success) throw new AppError('UNKNOWN_SERVICE', 'Unknown service: use meta, ga4 or shopify', { field: 'service' });
  return parsed.data;
}
const serviceParam = (request: FastifyRequest) => parseService((request.params as { service: string }).service);
const bodyOf = (request: FastifyRequest) => (request.body === undefined ? {} : request.body) as Record<string, unknown>;

/** REST shims over the same services as `connections.*` and `sheets.*`, plus the OAuth redirects. */
export function registerConnectionRoutes(app: FastifyInstance, deps: ApiDeps, options: { publicUrl?: string } = {}): void {
  app.get('/api/connections', async (request) => ({
    success: true,
    data: await listConnections(deps, requireViewer(request).id),
  }));

  app.put('/api/connections/:service', async (request) => {
    const viewer = requireViewer(request);
    const input = connectionUpsertInput.parse({ ...bodyOf(request), service: serviceParam(request) });
    return { success: true, data: await upsertConnection(deps, viewer.id, input) };
  });

  app.delete('/api/connections/:service', async (request) => ({
    success: true,
    data: await removeConnection(deps, requireViewer(request).id, serviceParam(request)),
  }));

  app.post('/api/connections/:service/test', async (request) => ({
    success: true,
    data: await testConnection(deps, requireViewer(request).id, serviceParam(request)),
  }));

  app.get('/api/sheets', async (request) => ({ success: true, data: await getSheet(deps, requireViewer(request).id) }));
  app.put('/api/sheets', async (request) => ({
    success: true,
    data: await upsertSheet(deps, requireViewer(request).id, sheetUpsertInput.parse(bodyOf(request))),
  }));
  app.delete('/api/sheets', async (request) => ({ success: true, data: await removeSheet(deps, requireViewer(request).id) }));
  app.post('/api/sheets/test', async (request) => ({ success: true, data: await testSheet(deps, requireViewer(request).id) }));

  // OAuth: offered only for providers whose client id the operator configured (see oauth_available).
  app.get('/api/connections/:service/oauth/start', async (request, reply) => {
    const service = serviceParam(request);
    const accountId = oauthAccountId(service, (request.query as { account_id?: unknown }).account_id);
    return startOAuth(request, reply, { target: service, accountId });
  });

  app.get('/api/sheets/oauth/start', async (request, reply) => {
    const query = request.query as { spreadsheet_id?: string };
    const parsed = sheetUpsertInput.parse({ spreadsheet_id: query.spreadsheet_id ?? '' });
    return startOAuth(request, reply, { target: 'sheets', accountId: parsed.spreadsheet_id });
  });

  app.get('/api/oauth/callback', async (request, reply) => {
    const viewer = requireViewer(request);
    const oauth = connectorsOf(deps).oauth;
    // A repeated parameter arrives as an array: only a single plain value counts.
    const param = (name: string) => {
      const value = (request.query as Record<string, unknown>)[name];
      return typeof value === 'string' ? value : undefined;
    };
    const state = param('state');
    const sealed = request.cookies[OAUTH_COOKIE];
    reply.clearCookie(OAUTH_COOKIE, { path: '/api/' });
    const context = sealed ? oauth?.openContext(sealed) : undefined;
    // The state in the URL must be the one this browser was given, for this user, not expired.
    if (
      !oauth ||
      !context ||
      !state ||
      !sameText(state, context.state) ||
      context.userId !== viewer.id ||
      context.expiresAt < deps.clock().getTime()
    ) {
      throw new AppError(
        'VALIDATION_ERROR',
        'The sign-in could not be verified (state mismatch or expired); start the connection again',
      );
    }
    // The cookie alone would let a captured callback URL be replayed for ten minutes: the state is single-use.
    if (!(await consumeOAuthState(deps, viewer.id, state))) {
      throw new AppError('VALIDATION_ERROR', 'This sign-in was already used or has expired; start the connection again');
    }
    const provider = providerOf(context.target);
    const code = param('code');
    if (param('error') !== undefined || !code) {
      const refusal = param('error') === 'access_denied' ? 'oauth_denied' : 'oauth_not_granted';
      return reply.redirect(uiUrl({ error: refusal, target: context.target }));
    }
    try {
      const credential = await oauth.exchange({
        provider,
        code,
        redirectUri: redirectUri(),
        now: deps.clock(),
        ...(context.target === 'shopify' ? { shop: context.accountId, callbackQuery: queryOf(request.url) } : {}),
      });
      if (context.target === 'sheets') await saveSheet(deps, viewer.id, context.accountId, context.tabs, credential);
      else await saveConnection(deps, viewer.id, context.target, context.accountId, credential);
      return reply.redirect(uiUrl({ connected: context.target }));
    } catch (error) {
      // The UI words the outcome from a fixed code; the provider's own text (which a forged or hostile
      // provider answer controls) stays in the log. Anything else (the database, a bug) is a 500.
      if (!(error instanceof ConnectorError || error instanceof AppError)) throw error;
      const errorClass = error instanceof AppError ? error.code : error.options.errorClass;
      request.log.warn({ event: 'oauth-failed', provider, errorClass, reason: error.message }, 'OAuth exchange failed');
      return reply.redirect(uiUrl({ error: failureCode(error), target: context.target }));
    }
  });

  /**
   * Only from configuration (PUBLIC_URL, or the loopback default in config.ts): built from the request's
   * Host header, a forged Host would send the provider's code to another site.
   */
  function redirectUri(): string {
    if (!options.publicUrl) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'Connecting with OAuth needs PUBLIC_URL (the address users open this server at); set it, or paste a token instead',
      );
    }
    return `${options.publicUrl.replace(/\/+$/, '')}/api/oauth/callback`;
  }

  async function startOAuth(
    request: FastifyRequest,
    reply: FastifyReply,
    target: { target: Service | 'sheets'; accountId: string },
  ) {
    const viewer = requireViewer(request);
    const oauth = connectorsOf(deps).oauth;
    const provider = providerOf(target.target);
    if (!oauth?.providers.includes(provider)) {
      throw new AppError('NOT_FOUND', `Connecting with ${provider} is not configured on this server; paste a token instead`);
    }
    const callbackUri = redirectUri();
    const { state, expiresAt } = await issueOAuthState(deps, viewer.id);
    const context: OAuthContext = {
      state,
      userId: viewer.id,
      ...target,
      ...(target.target === 'sheets' ? { tabs: DEFAULT_TABS } : {}),
      expiresAt: expiresAt.getTime(),
    };
    reply.setCookie(OAUTH_COOKIE, oauth.sealContext(context), {
      path: '/api/',
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
      maxAge: OAUTH_STATE_TTL_MS / 1000,
    });
    return reply.redirect(
      oauth.authorizeUrl({
        provider,
        redirectUri: callbackUri,
        state: context.state,
        target: target.target,
        ...(target.target === 'shopify' ? { shop: target.accountId } : {}),
      }),
    );
  }
}

/**
 * The same checks as a pasted connection, before the user is sent anywhere. For Shopify the account id
 * is the host the browser is sent to and the app secret is posted to: only a *.myshopify.com name passes.
 */
function oauthAccountId(service: Service, raw: unknown): string {
  const { account_id } = connectionUpsertInput.parse({ service, account_id: typeof raw === 'string' ? raw : '' });
  return accountIdFor(service, account_id);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function failureCode(error: ConnectorError | AppError): OAuthErrorCode {
  if (error instanceof ConnectorError) return 'oauth_exchange_failed';
  return error.code === 'SECRETS_KEY_MISSING' ? 'oauth_cannot_store' : 'oauth_failed';
}

const queryOf = (url: string) => (url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');

const uiUrl = (params: { connected: OAuthTarget } | { error: OAuthErrorCode; target: OAuthTarget }) =>
  `${UI_PATH}?${new URLSearchParams(params).toString()}`;
