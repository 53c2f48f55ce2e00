import fastifyCookie from '@fastify/cookie';
import { type ApiDeps, AppError, CREDENTIALS_REVOKED_CHANNEL } from '@kpi/api';
import type { Database } from '@kpi/db';
import type { EnhancedScheduler } from '@kpi/scheduler';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import { buildApiDeps } from './api-deps.ts';
import { registerAuthentication } from './plugins/authenticate.ts';
import { registerErrorHandling } from './plugins/errors.ts';
import { registerRequestHygiene, requestIdOf } from './plugins/request-hygiene.ts';
import { registerSecurityHeaders } from './plugins/security-headers.ts';
import { registerTrpc } from './plugins/trpc.ts';
import { registerWeb } from './plugins/web.ts';
import { RateCounters } from './rate-limit.ts';
import { registerApiRateLimit } from './rate-limit-api.ts';
import { CREDENTIAL_FAILURE_DEFAULTS, SharedCredentialLimiter } from './rate-limit-credentials.ts';
import { SharedLoginLimiter } from './rate-limit-login.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerConnectionRoutes } from './routes/connections.ts';
import { type Readiness, registerHealthRoutes } from './routes/health.ts';
import { registerNotificationRoutes } from './routes/notifications.ts';
import { registerOpenApiRoute } from './routes/openapi.ts';
import { registerRunRoutes } from './routes/runs.ts';
import { registerSchedulerRoutes } from './routes/scheduler.ts';
import { registerScheduleRoutes } from './routes/schedules.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import { ViewerCache } from './viewer-cache.ts';

export type AppOptions = {
  /** The services' dependencies; the app plugs in its own ports (see buildApiDeps). */
  deps: ApiDeps;
  /** The scheduler in this process, told of schedule changes at once; absent on an API-only instance. */
  scheduler?: EnhancedScheduler;
  log: Logger;
  readiness: Readiness;
  bodyLimitBytes: number;
  login: { maxAttempts: number; windowSeconds: number };
  /** Failed credential lookups allowed per client address (CREDENTIAL_*); defaults to CREDENTIAL_FAILURE_DEFAULTS. */
  credentialFailures?: { maxFailures: number; windowSeconds: number };
  /**
   * Counters shared across instances (RATE_LIMIT_*): the API limit per user, the sign-in and the failed
   * credential limits. Without it, failures are counted in this process only and the API is not limited.
   */
  rateLimit?: { perMinute: number; counters: RateCounters };
  /**
   * Which X-Forwarded-For hops to believe (TRUST_PROXY): a number of proxies in front, or their addresses
   * and CIDR ranges. `true` (trust every hop) lets any client pick its own address; only tests use it.
   */
  trustProxy?: boolean | number | string[];
  /**
   * The database's LISTEN: with it, a user whose credentials another instance revoked (NOTIFY
   * kpi_credentials_revoked) is forgotten by this instance's viewer cache at once, not after its TTL.
   */
  listen?: Database['listen'];
  /** How long a resolved credential is remembered (AUTH_CACHE_SECONDS). */
  authCacheSeconds?: number;
  webDistDir?: string;
  /** The server's public origin, for OAuth redirect URIs (PUBLIC_URL); else taken from the request. */
  publicUrl?: string;
  /** Sees every route as it is registered: the OpenAPI test compares the route table with the document. */
  onRoute?: (route: RouteOptions) => void;
  /** Extra routes from the host (metrics, scheduler stats), registered with the rest. */
  extend?: (app: FastifyInstance) => void | Promise<void>;
};

/** Builds the HTTP application without listening: tests drive it with inject(), main.ts listens. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes,
    trustProxy: proxyTrust(options.trustProxy ?? false),
    // The client's X-Request-Id is kept only when it is a short safe token (see requestIdOf).
    requestIdHeader: false,
    genReqId: (request) => requestIdOf(request.headers['x-request-id']),
    // Room for a full tRPC batch path (20 procedure names joined by commas), no more.
    routerOptions: { maxParamLength: 1024 },
    // The router's own refusals (a path segment over maxParamLength, bad percent-encoding) answer in our error shape.
    frameworkErrors: (error, _request, reply) => {
      const appError =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new AppError('VALIDATION_ERROR', 'A path segment is too long')
          : error.code === 'FST_ERR_BAD_URL'
            ? new AppError('VALIDATION_ERROR', 'The URL is not valid')
            : new AppError('INTERNAL_ERROR', 'Internal server error');
      void (reply as FastifyReply).status(appError.status).send(appError.toBody());
    },
  });
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  registerErrorHandling(app);
  registerRequestHygiene(app);
  await registerSecurityHeaders(app);
  await app.register(fastifyCookie);
  const viewers = new ViewerCache((options.authCacheSeconds ?? 5) * 1000);
  if (options.listen) {
    // Notifications sent while the listener was reconnecting are lost: forget everything then.
    const unlisten = await options.listen(
      CREDENTIALS_REVOKED_CHANNEL,
      (payload) => viewers.forgetUser(Number(payload)),
      () => viewers.forgetAll(),
    );
    app.addHook('onClose', () => unlisten());
  }
  // Exact and shared: every attempt is counted in rate_limits before its password is hashed.
  const loginLimiter = new SharedLoginLimiter(
    options.deps.db,
    options.deps.clock,
    options.login.maxAttempts,
    options.login.windowSeconds * 1000,
  );
  const deps = buildApiDeps(options.deps, {
    viewers,
    passwordGuard: loginLimiter,
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
  });
  const counters = options.rateLimit?.counters ?? new RateCounters({ db: deps.db, clock: deps.clock });
  counters.start();
  app.addHook('onClose', () => counters.stop());
  const credentialFailures = options.credentialFailures ?? CREDENTIAL_FAILURE_DEFAULTS;
  const credentialLimiter = new SharedCredentialLimiter(
    counters,
    credentialFailures.maxFailures,
    credentialFailures.windowSeconds * 1000,
  );
  registerAuthentication(app, deps, viewers, credentialLimiter);
  // After authentication (hooks run in order), so the limit is per user without another lookup.
  if (options.rateLimit && options.rateLimit.perMinute > 0) registerApiRateLimit(app, counters, options.rateLimit.perMinute);
  registerHealthRoutes(app, options.readiness, () => deps.clock().getTime());
  registerAuthRoutes(app, deps, loginLimiter);
  registerScheduleRoutes(app, deps);
  registerTokenRoutes(app, deps);
  registerConnectionRoutes(app, deps, { publicUrl: options.publicUrl });
  registerRunRoutes(app, deps);
  registerNotificationRoutes(app, deps);
  registerSchedulerRoutes(app, deps);
  await registerAdminRoutes(app, deps);
  registerOpenApiRoute(app);
  await registerTrpc(app, deps);
  await options.extend?.(app);
  await registerWeb(app, options.webDistDir ?? '');
  return app;
}

/**
 * Fastify ignores a bare hop count (it trusts no hop then), so a count becomes a function: trust the
 * nearest `hops` addresses (the socket peer first), and the client is the next one leftwards in
 * X-Forwarded-For. Whatever a client writes further left is never read.
 */
function proxyTrust(trust: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust;
  return trust > 0 ? (_address, hop) => hop < trust : false;
}
