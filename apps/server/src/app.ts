import fastifyCookie from '@fastify/cookie';
import { type ApiDeps, AppError } from '@kpi/api';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { registerAuthentication } from './plugins/authenticate.ts';
import { registerErrorHandling } from './plugins/errors.ts';
import { registerTrpc } from './plugins/trpc.ts';
import { registerWeb } from './plugins/web.ts';
import { RateCounters } from './rate-limit.ts';
import { registerApiRateLimit } from './rate-limit-api.ts';
import { CREDENTIAL_FAILURE_DEFAULTS, SharedCredentialLimiter } from './rate-limit-credentials.ts';
import { SharedLoginLimiter } from './rate-limit-login.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerConnectionRoutes } from './routes/connections.ts';
import { type Readiness, registerHealthRoutes } from './routes/health.ts';
import { registerOpenApiRoute } from './routes/openapi.ts';
import { registerRunRoutes } from './routes/runs.ts';
import { registerSchedulerRoutes } from './routes/scheduler.ts';
import { registerScheduleRoutes } from './routes/schedules.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import { ViewerCache } from './viewer-cache.ts';

export type AppOptions = {
  deps: ApiDeps;
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
  trustProxy?: boolean;
  /** How long a resolved credential is remembered (AUTH_CACHE_SECONDS). */
  authCacheSeconds?: number;
  webDistDir?: string;
  /** The server's public origin, for OAuth redirect URIs (PUBLIC_URL); else taken from the request. */
  publicUrl?: string;
  /** Extra routes from the host (metrics, scheduler stats), registered with the rest. */
  extend?: (app: FastifyInstance) => void | Promise<void>;
};

/** Builds the HTTP application without listening: tests drive it with inject(), main.ts listens. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy ?? false,
    requestIdHeader: 'x-request-id',
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
  registerErrorHandling(app);
  await app.register(fastifyCookie);
  const viewers = new ViewerCache((options.authCacheSeconds ?? 5) * 1000);
  options.deps.events = { ...options.deps.events, credentialsRevoked: (userId) => viewers.forgetUser(userId) };
  const counters = options.rateLimit?.counters ?? new RateCounters({ db: options.deps.db, clock: options.deps.clock });
  counters.start();
  app.addHook('onClose', () => counters.stop());
  const credentialFailures = options.credentialFailures ?? CREDENTIAL_FAILURE_DEFAULTS;
  const credentialLimiter = new SharedCredentialLimiter(
    counters,
    credentialFailures.maxFailures,
    credentialFailures.windowSeconds * 1000,
  );
  registerAuthentication(app, options.deps, viewers, credentialLimiter);
  // After authentication (hooks run in order), so the limit is per user without another lookup.
  if (options.rateLimit && options.rateLimit.perMinute > 0) registerApiRateLimit(app, counters, options.rateLimit.perMinute);
  registerHealthRoutes(app, options.readiness);
  const loginLimiter = new SharedLoginLimiter(counters, options.login.maxAttempts, options.login.windowSeconds * 1000);
  options.deps.passwordGuard = loginLimiter;
  registerAuthRoutes(app, options.deps, loginLimiter);
  registerScheduleRoutes(app, options.deps);
  registerTokenRoutes(app, options.deps);
  registerConnectionRoutes(app, options.deps, { publicUrl: options.publicUrl });
  registerRunRoutes(app, options.deps);
  registerSchedulerRoutes(app, options.deps);
  registerOpenApiRoute(app);
  await registerTrpc(app, options.deps);
  await options.extend?.(app);
  await registerWeb(app, options.webDistDir ?? '');
  return app;
}
