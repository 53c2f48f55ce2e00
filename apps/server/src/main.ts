import type { ApiDeps } from '@kpi/api';
import { openDatabase, sql } from '@kpi/db';
import { databaseClock, type EnhancedScheduler } from '@kpi/scheduler';
import { buildApp } from './app.ts';
import { bootstrapAdmin } from './bootstrap-admin.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { RateCounters } from './rate-limit.ts';
import { startRetention } from './retention.ts';
import { SchemaWatch } from './schema-watch.ts';
import { createScheduler, openConnectors, wireConnectors, wireSchedulerEvents } from './start-scheduler.ts';

const config = loadConfig();
const log = createLogger(config.logLevel);
const database = await openDatabase({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  poolSize: config.poolSize,
  onError: (error) => log.warn({ event: 'database-connection-error', err: error }, 'database connection error'),
});
log.info(
  { event: 'database-opened', kind: database.kind, ...(database.kind === 'pglite' ? { dataDir: config.dataDir } : {}) },
  'database opened',
);

// Every instance reads time from the database server, so instances with skewed clocks agree on what is due.
const clock = await databaseClock(database.db);
const deps: ApiDeps = {
  db: database.db,
  clock: () => clock.now(),
  log,
  settings: {
    minIntervalSeconds: config.minIntervalSeconds,
    maxAttempts: config.maxAttempts,
    sessionTtlSeconds: config.sessionTtlSeconds,
    maxApiTokensPerUser: config.maxApiTokensPerUser,
    runNowPerMinute: config.runNowPerMinute,
  },
};

const connectors = await openConnectors(config, log);
wireConnectors(deps, connectors);

const schema = new SchemaWatch(database, log, config.schemaRecheckSeconds * 1000);
await schema.start();

let schedulerState: 'running' | 'disabled' | 'waiting' = config.schedulerEnabled ? 'waiting' : 'disabled';
let scheduler: EnhancedScheduler | undefined;
const metrics = config.metricsEnabled ? createMetrics(database.db, () => scheduler?.stats().schedulesKnown ?? 0) : undefined;
if (config.schedulerEnabled) {
  scheduler = createScheduler({ config, database, clock, log, observer: metrics?.observer ?? {}, connectors });
  wireSchedulerEvents(deps, scheduler);
}

const app = await buildApp({
  deps,
  log,
  bodyLimitBytes: config.bodyLimitBytes,
  login: { maxAttempts: config.loginMaxAttempts, windowSeconds: config.loginWindowSeconds },
  credentialFailures: { maxFailures: config.credentialMaxFailures, windowSeconds: config.credentialWindowSeconds },
  // Counted here, shared through PostgreSQL every RATE_LIMIT_SYNC_MS (windows on the database clock).
  rateLimit: {
    perMinute: config.rateLimitPerMinute,
    counters: new RateCounters({ db: database.db, clock: deps.clock, log, syncMs: config.rateLimitSyncMs }),
  },
  trustProxy: config.trustProxy,
  authCacheSeconds: config.authCacheSeconds,
  webDistDir: config.webDistDir,
  publicUrl: config.publicUrl,
  readiness: {
    ping: async () => {
      await database.db.execute(sql`SELECT 1`);
    },
    schemaReady: () => schema.isReady(),
    scheduler: () => schedulerState,
  },
  extend: (instance) => metrics?.register(instance),
});

const started = scheduler;
let retention: ReturnType<typeof startRetention> | undefined;
void schema.whenReady().then(async () => {
  retention = startRetention({ db: database.db, log, clock: deps.clock, retentionDays: config.runRetentionDays });
  await bootstrapAdmin(deps, log, { email: config.adminEmail, password: config.adminPassword }).catch((error) =>
    log.error({ event: 'admin-bootstrap-failed', err: error }, 'could not create the first administrator'),
  );
  if (!started) return;
  // The scheduler starts only once its tables exist; until then /readyz reports it as waiting.
  await started.start().then(
    () => {
      schedulerState = 'running';
      log.info({ event: 'scheduler-started', instanceId: started.instanceId }, 'scheduler started');
    },
    (error: unknown) => log.error({ event: 'scheduler-start-failed', err: error }, 'scheduler failed to start'),
  );
});

await app.listen({ port: config.port, host: config.host });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ event: 'shutdown', signal }, 'shutting down: no new claims, running work gets the grace period');
  schema.stop();
  retention?.stop();
  await app.close();
  if (scheduler) await scheduler.stop(config.shutdownGraceSeconds * 1000);
  clock.stop();
  await database.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
