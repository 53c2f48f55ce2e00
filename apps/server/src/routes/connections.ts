import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type ApiDeps,
  AppError,
  connectionUpsertInput,
  connectorsOf,
  DEFAULT_SHEET_TABS,
  getSheet,
  listConnections,
  type OAuthContext,
  PROVIDER_OF,
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
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireViewer } from '../plugins/authenticate.ts';

const OAUTH_COOKIE = 'kpi_oauth';
const OAUTH_TTL_MS = 10 * 60_000;
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
    const accountId = String((request.query as { account_id?: string }).account_id ?? '')
      .trim()
      .toLowerCase();
    // The same validation as a pasted connection, before the user is sent anywhere.
    connectionUpsertInput.parse({ service, account_id: accountId });
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
    const query = request.query as { code?: string; state?: string; error?: string };
    const sealed = request.cookies[OAUTH_COOKIE];
    reply.clearCookie(OAUTH_COOKIE, { path: '/api/' });
    const context = sealed ? oauth?.openContext(sealed) : undefined;
    // The state in the URL must be the one this browser was given, for this user, not expired.
    if (
      !oauth ||
      !context ||
      !query.state ||
      !sameText(query.state, context.state) ||
      context.userId !== viewer.id ||
      context.expiresAt < Date.now()
    ) {
      throw new AppError(
        'VALIDATION_ERROR',
        'The sign-in could not be verified (state mismatch or expired); start the connection again',
      );
    }
    if (query.error || !query.code)
      return reply.redirect(uiUrl({ error: `The provider did not grant access (${query.error ?? 'no code'})` }));
    const provider = PROVIDER_OF[context.target];
    try {
      const credential = await oauth.exchange({
        provider,
        code: query.code,
        redirectUri: redirectUri(request),
        ...(context.target === 'shopify' ? { shop: context.accountId } : {}),
      });
      if (context.target === 'sheets') await saveSheet(deps, viewer.id, context.accountId, context.tabs, credential);
      else await saveConnection(deps, viewer.id, context.target, context.accountId, credential);
      return reply.redirect(uiUrl({ connected: context.target }));
    } catch (error) {
      request.log.warn({ event: 'oauth-failed', provider, errorClass: (error as Error).name }, 'OAuth exchange failed');
      return reply.redirect(uiUrl({ error: error instanceof Error ? error.message : 'The sign-in failed' }));
    }
  });

  function redirectUri(request: FastifyRequest): string {
    return `${options.publicUrl ?? `${request.protocol}://${request.host}`}/api/oauth/callback`;
  }

  function startOAuth(request: FastifyRequest, reply: FastifyReply, target: { target: Service | 'sheets'; accountId: string }) {
    const viewer = requireViewer(request);
    const oauth = connectorsOf(deps).oauth;
    const provider = PROVIDER_OF[target.target];
    if (!oauth?.providers.includes(provider)) {
      throw new AppError('NOT_FOUND', `Connecting with ${provider} is not configured on this server; paste a token instead`);
    }
    const context: OAuthContext = {
      state: randomBytes(24).toString('base64url'),
      userId: viewer.id,
      ...target,
      ...(target.target === 'sheets' ? { tabs: DEFAULT_SHEET_TABS } : {}),
      expiresAt: Date.now() + OAUTH_TTL_MS,
    };
    reply.setCookie(OAUTH_COOKIE, oauth.sealContext(context), {
      path: '/api/',
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
      maxAge: OAUTH_TTL_MS / 1000,
    });
    return reply.redirect(
      oauth.authorizeUrl({
        provider,
        redirectUri: redirectUri(request),
        state: context.state,
        target: target.target,
        ...(target.target === 'shopify' ? { shop: target.accountId } : {}),
      }),
    );
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const uiUrl = (params: Record<string, string>) => `${UI_PATH}?${new URLSearchParams(params).toString()}`;
