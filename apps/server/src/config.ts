import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PROVIDER_LIMITS } from '@kpi/connectors';
import { z } from 'zod';
import { CREDENTIAL_FAILURE_DEFAULTS } from './rate-limit-credentials.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const seconds = z.coerce.number().int().min(0);
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));
/** One trusted proxy: an address, a CIDR range, or one of proxy-addr's names for the private ranges. */
function isProxyRange(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/**
 * TRUST_PROXY: `false` (or `0`, unset) trusts no X-Forwarded-For; a number trusts that many proxy hops in
 * front of the server; a comma-separated list trusts those proxy addresses and ranges. `true` is refused:
 * trusting every hop makes the client address whatever the client writes first in X-Forwarded-For, and
 * with it every per-address limit.
 */
const trustProxy = z
  .string()
  .transform((value) => value.trim())
  .superRefine((value, context) => {
    if (value === 'true') {
      context.addIssue({
        code: 'custom',
        message:
          'TRUST_PROXY=true would let any client choose its own address; give the number of proxies in front (TRUST_PROXY=1) or their addresses (TRUST_PROXY=10.0.0.0/8,127.0.0.1)',
      });
    } else if (
      value !== 'false' &&
      value !== '' &&
      !/^\d{1,2}$/.test(value) &&
      !value.split(',').every((entry) => isProxyRange(entry.trim()))
    ) {
      context.addIssue({
        code: 'custom',
        message: 'TRUST_PROXY must be false, a hop count, or a comma-separated list of addresses and CIDR ranges',
      });
    }
  })
  .transform((value): false | number | string[] => {
    if (value === 'false' || value === '' || value === '0') return false;
    if (/^\d{1,2}$/.test(value)) return Number(value);
    return value.split(',').map((entry) => entry.trim());
  });

const url = z.string().regex(/^https?:\/\//, 'must be an http(s) URL');

/** A whole number of concurrent calls, 1 to 1000: 0 would stop every sync of the provider. */
const concurrency = (name: string, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number from 1 to 1000`)
    .transform(Number)
    .pipe(z.number().int().min(1, `${name} must be at least 1`).max(1000, `${name} must be at most 1000`))
    .default(fallback);

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
  // Unset: /metrics answers only clients on this machine (see metrics-access.ts).
  METRICS_TOKEN: optionalText.refine(
    (value) => value === undefined || /^[\x21-\x7e]{24,256}$/.test(value),
    'METRICS_TOKEN must be 24 to 256 printable characters without spaces (openssl rand -base64 32)',
  ),
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
  // The backfill a source's first connection queues: the last N finished days (a backfill's limit is 366).
  // A connection's coverage (the days that must be synced or shown missing) starts as far back.
  BACKFILL_DAYS: z.coerce.number().int().min(1).max(366).default(30),
  TRUST_PROXY: trustProxy.default(false),
  ADMIN_EMAIL: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  WEB_DIST_DIR: z.string().default(resolve(REPO_ROOT, 'apps/web/dist')),
  // pnpm runs scripts from the package folder; INIT_CWD is where the user typed the command.
  INIT_CWD: z.string().optional(),
  // Connectors. SECRETS_KEY encrypts stored credentials; without it PGlite mode keeps a key file.
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
  // Concurrent calls to each provider's API across every instance (GA4 and Sheets share the Google project).
  META_MAX_CONCURRENCY: concurrency('META_MAX_CONCURRENCY', DEFAULT_PROVIDER_LIMITS.meta),
  GOOGLE_MAX_CONCURRENCY: concurrency('GOOGLE_MAX_CONCURRENCY', DEFAULT_PROVIDER_LIMITS.google),
  SHOPIFY_MAX_CONCURRENCY: concurrency('SHOPIFY_MAX_CONCURRENCY', DEFAULT_PROVIDER_LIMITS.shopify),
  GOOGLE_CLIENT_ID: optionalText,
  GOOGLE_CLIENT_SECRET: optionalText,
  META_APP_ID: optionalText,
  META_APP_SECRET: optionalText,
  SHOPIFY_CLIENT_ID: optionalText,
  SHOPIFY_CLIENT_SECRET: optionalText,
  // Notifications. Without SMTP_URL no e-mail is sent (webhooks still are).
  SMTP_URL: optionalText.refine(
    (value) => value === undefined || /^smtps?:\/\/[^/]/.test(value),
    'SMTP_URL must look like smtp://user:pass@host:port (smtps:// for TLS)',
  ),
  MAIL_FROM: optionalText.refine(
    (value) => value === undefined || /^[^\r\n]*@[^\r\n]+$/.test(value),
    'MAIL_FROM must be an address such as "KPI Sync <kpi@example.com>"',
  ),
  WEBHOOK_ALLOW_PRIVATE: flag.default(false),
  PAUSE_AFTER_FAILURES: z.coerce.number().int().min(0).max(1000).default(5),
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
  if (e.SMTP_URL && !e.MAIL_FROM) throw new Error('Invalid configuration: MAIL_FROM: required when SMTP_URL is set');
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
    metricsToken: e.METRICS_TOKEN,
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
    backfillDays: e.BACKFILL_DAYS,
    trustProxy: e.TRUST_PROXY,
    adminEmail: e.ADMIN_EMAIL,
    adminPassword: e.ADMIN_PASSWORD,
    webDistDir: e.WEB_DIST_DIR,
    secretsKey: e.SECRETS_KEY,
    publicUrl: e.PUBLIC_URL ?? loopbackOrigin(e.HOST, e.PORT),
    notifications: {
      smtp: e.SMTP_URL && e.MAIL_FROM ? { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM } : undefined,
      webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      pauseAfterFailures: e.PAUSE_AFTER_FAILURES,
    },
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
      backfillDays: e.BACKFILL_DAYS,
      providerLimits: { meta: e.META_MAX_CONCURRENCY, google: e.GOOGLE_MAX_CONCURRENCY, shopify: e.SHOPIFY_MAX_CONCURRENCY },
      google: pair(e.GOOGLE_CLIENT_ID, e.GOOGLE_CLIENT_SECRET),
      meta: e.META_APP_ID && e.META_APP_SECRET ? { appId: e.META_APP_ID, appSecret: e.META_APP_SECRET } : undefined,
      shopify: pair(e.SHOPIFY_CLIENT_ID, e.SHOPIFY_CLIENT_SECRET),
    },
  };
}

/**
 * Without PUBLIC_URL the OAuth redirect URI falls back to the listening address only when that is
 * loopback: such a server can be opened only on this machine, at exactly that origin, so no Host header
 * is trusted. Any other bind address (0.0.0.0, a LAN address) leaves OAuth off until PUBLIC_URL is set.
 */
function loopbackOrigin(host: string, port: number): string | undefined {
  if (port === 0) return undefined;
  if (host === '127.0.0.1' || host === 'localhost') return `http://${host}:${port}`;
  if (host === '::1') return `http://[::1]:${port}`;
  return undefined;
}
