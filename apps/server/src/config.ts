import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CREDENTIAL_FAILURE_DEFAULTS } from './rate-limit-credentials.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const seconds = z.coerce.number().int().min(0);
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));
const url = z.string().regex(/^https?:\/\//, 'must be an http(s) URL');

/** Every setting the server reads, from the environment, validated once. Nothing else reads process.env. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  DATA_DIR: z.string().default('data'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SCHEDULE_MIN_INTERVAL_SECONDS: seconds.default(60),
  MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  RETRY_DELAY_SECONDS: seconds.default(600),
  MISFIRE_GRACE_SECONDS: seconds.default(60),
  CATCHUP_WINDOW_SECONDS: seconds.default(86_400),
  CATCHUP_JITTER_SECONDS: seconds.default(30),
  RUN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(900),
  METRICS_ENABLED: flag.default(true),
  SCHEDULER_ENABLED: flag.default(true),
  // Syncs mostly wait on the sources' APIs, not on this process: see bench/drain.ts for the figures.
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(64),
  LEASE_SECONDS: z.coerce.number().int().min(2).default(60),
  SHUTDOWN_GRACE_SECONDS: seconds.default(20),
  SCHEMA_RECHECK_SECONDS: z.coerce.number().int().min(1).default(10),
  AUTH_CACHE_SECONDS: seconds.default(5),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 7),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  CREDENTIAL_MAX_FAILURES: z.coerce.number().int().min(1).default(CREDENTIAL_FAILURE_DEFAULTS.maxFailures),
  CREDENTIAL_WINDOW_SECONDS: z.coerce.number().int().min(1).default(CREDENTIAL_FAILURE_DEFAULTS.windowSeconds),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  RATE_LIMIT_SYNC_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  MAX_API_TOKENS_PER_USER: z.coerce.number().int().min(1).default(50),
  RUN_NOW_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  RUN_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  TRUST_PROXY: flag.default(false),
  ADMIN_EMAIL: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  WEB_DIST_DIR: z.string().default(resolve(REPO_ROOT, 'apps/web/dist')),
  // pnpm runs scripts from the package folder; INIT_CWD is where the user typed the command.
  INIT_CWD: z.string().optional(),
  // Connectors (issue 6). SECRETS_KEY encrypts stored credentials; without it PGlite mode keeps a key file.
  SECRETS_KEY: optionalText.refine(
    (value) => value === undefined || Buffer.from(value, 'base64').length === 32,
    'SECRETS_KEY must be base64 of 32 bytes (openssl rand -base64 32)',
  ),
  PUBLIC_URL: optionalText.refine(
    (value) => value === undefined || /^https?:\/\//.test(value),
    'PUBLIC_URL must start with http(s)://',
  ),
  META_BASE_URL: url.default('https://graph.facebook.com'),
  META_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'META_API_VERSION looks like v26.0')
    .default('v26.0'),
  GA4_BASE_URL: url.default('https://analyticsdata.googleapis.com'),
  GOOGLE_OAUTH_TOKEN_URL: url.default('https://oauth2.googleapis.com/token'),
  GOOGLE_AUTH_URL: url.default('https://accounts.google.com/o/oauth2/v2/auth'),
  SHOPIFY_BASE_URL_TEMPLATE: z
    .string()
    .regex(/^https?:\/\/.*\{shop\}/, 'SHOPIFY_BASE_URL_TEMPLATE must contain {shop}')
    .default('https://{shop}'),
  SHOPIFY_API_VERSION: z
    .string()
    .regex(/^\d{4}-\d{2}$/, 'SHOPIFY_API_VERSION looks like 2026-07')
    .default('2026-07'),
  SHEETS_BASE_URL: url.default('https://sheets.googleapis.com'),
  CONNECTOR_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(30),
  GOOGLE_CLIENT_ID: optionalText,
  GOOGLE_CLIENT_SECRET: optionalText,
  META_APP_ID: optionalText,
  META_APP_SECRET: optionalText,
  SHOPIFY_CLIENT_ID: optionalText,
  SHOPIFY_CLIENT_SECRET: optionalText,
});

/** Both halves of an OAuth client, or neither. */
const pair = (id: string | undefined, secret: string | undefined) =>
  id && secret ? { clientId: id, clientSecret: secret } : undefined;

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.INIT_CWD ?? process.cwd(), e.DATA_DIR),
    poolSize: e.DB_POOL_SIZE,
    logLevel: e.LOG_LEVEL,
    minIntervalSeconds: e.SCHEDULE_MIN_INTERVAL_SECONDS,
    maxAttempts: e.MAX_ATTEMPTS,
    retryDelaySeconds: e.RETRY_DELAY_SECONDS,
    misfireGraceSeconds: e.MISFIRE_GRACE_SECONDS,
    catchupWindowSeconds: e.CATCHUP_WINDOW_SECONDS,
    catchupJitterSeconds: e.CATCHUP_JITTER_SECONDS,
    runTimeoutSeconds: e.RUN_TIMEOUT_SECONDS,
    metricsEnabled: e.METRICS_ENABLED,
    schedulerEnabled: e.SCHEDULER_ENABLED,
    workerConcurrency: e.WORKER_CONCURRENCY,
    leaseSeconds: e.LEASE_SECONDS,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    schemaRecheckSeconds: e.SCHEMA_RECHECK_SECONDS,
    sessionTtlSeconds: e.SESSION_TTL_HOURS * 3600,
    authCacheSeconds: e.AUTH_CACHE_SECONDS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    loginMaxAttempts: e.LOGIN_MAX_ATTEMPTS,
    loginWindowSeconds: e.LOGIN_WINDOW_SECONDS,
    credentialMaxFailures: e.CREDENTIAL_MAX_FAILURES,
    credentialWindowSeconds: e.CREDENTIAL_WINDOW_SECONDS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    rateLimitSyncMs: e.RATE_LIMIT_SYNC_MS,
    maxApiTokensPerUser: e.MAX_API_TOKENS_PER_USER,
    runNowPerMinute: e.RUN_NOW_PER_MINUTE,
    runRetentionDays: e.RUN_RETENTION_DAYS,
    trustProxy: e.TRUST_PROXY,
    adminEmail: e.ADMIN_EMAIL,
    adminPassword: e.ADMIN_PASSWORD,
    webDistDir: e.WEB_DIST_DIR,
    secretsKey: e.SECRETS_KEY,
    publicUrl: e.PUBLIC_URL,
    connectors: {
      metaBaseUrl: e.META_BASE_URL,
      metaApiVersion: e.META_API_VERSION,
      ga4BaseUrl: e.GA4_BASE_URL,
      googleOAuthTokenUrl: e.GOOGLE_OAUTH_TOKEN_URL,
      googleAuthUrl: e.GOOGLE_AUTH_URL,
      shopifyBaseUrlTemplate: e.SHOPIFY_BASE_URL_TEMPLATE,
      shopifyApiVersion: e.SHOPIFY_API_VERSION,
      sheetsBaseUrl: e.SHEETS_BASE_URL,
      requestTimeoutMs: e.CONNECTOR_TIMEOUT_SECONDS * 1000,
      google: pair(e.GOOGLE_CLIENT_ID, e.GOOGLE_CLIENT_SECRET),
      meta: e.META_APP_ID && e.META_APP_SECRET ? { appId: e.META_APP_ID, appSecret: e.META_APP_SECRET } : undefined,
      shopify: pair(e.SHOPIFY_CLIENT_ID, e.SHOPIFY_CLIENT_SECRET),
    },
  };
}
