import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const seconds = z.coerce.number().int().min(0);

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
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  LEASE_SECONDS: z.coerce.number().int().min(2).default(60),
  SHUTDOWN_GRACE_SECONDS: seconds.default(20),
  SCHEMA_RECHECK_SECONDS: z.coerce.number().int().min(1).default(10),
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
  TRUST_PROXY: flag.default(false),
  ADMIN_EMAIL: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  WEB_DIST_DIR: z.string().default(resolve(REPO_ROOT, 'apps/web/dist')),
  // pnpm runs scripts from the package folder; INIT_CWD is where the user typed the command.
  INIT_CWD: z.string().optional(),
});

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
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    loginMaxAttempts: e.LOGIN_MAX_ATTEMPTS,
    loginWindowSeconds: e.LOGIN_WINDOW_SECONDS,
    trustProxy: e.TRUST_PROXY,
    adminEmail: e.ADMIN_EMAIL,
    adminPassword: e.ADMIN_PASSWORD,
    webDistDir: e.WEB_DIST_DIR,
  };
}
