import type { ApiDeps } from '@kpi/api';
import { connectorsPort, providerBudgets } from '@kpi/connectors';
import { type Database, openDatabase, sql } from '@kpi/db';
import type { NotificationDispatcher } from '@kpi/notifications';
import { databaseClock, type EnhancedScheduler } from '@kpi/scheduler';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { createMetrics } from './metrics.ts';
import { channelOptions, createDispatcher, notificationsPort } from './notifications.ts';
import { RateCounters } from './rate-limit.ts';
import { SchemaWatch } from './schema-watch.ts';
import { createScheduler, openConnectors } from './start-scheduler.ts';

export type Server = {
  app: FastifyInstance;
  database: Database;
  clock: Awaited<ReturnType<typeof databaseClock>>;
  schema: SchemaWatch;
  /** The services' dependencies before the app plugs in its ports (enough for the first-start admin). */
  deps: ApiDeps;
  scheduler: EnhancedScheduler | undefined;
  /** Sends the notification outbox; runs beside the scheduler (main.ts starts it once the tables exist). */
  dispatcher: NotificationDispatcher | undefined;
  /** What /readyz reports about the scheduler; main.ts moves it to running once the engine started. */
  schedulerState: { current: 'running' | 'disabled' | 'waiting' };
};

/** The composition root: every part of a server process, built once from the configuration. */
export async function composeServer(config: Config, log: Logger): Promise<Server> {
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
  const connectors = await openConnectors(config, log, database);
  const schema = new SchemaWatch(database, log, config.schemaRecheckSeconds * 1000);
  await schema.start();

  const schedulerState: Server['schedulerState'] = { current: config.schedulerEnabled ? 'waiting' : 'disabled' };
  let scheduler: EnhancedScheduler | undefined;
  const metrics = config.metricsEnabled
    ? createMetrics(database.db, () => scheduler?.stats().schedulesKnown ?? 0, { token: config.metricsToken })
    : undefined;
  if (config.schedulerEnabled) {
    scheduler = createScheduler({ config, database, clock, log, observer: metrics?.observer ?? {}, connectors });
  }

  const channels = channelOptions(config, () => clock.now());
  const dispatcher = scheduler
    ? createDispatcher({ database, log, box: connectors.box, channels, instanceId: scheduler.instanceId })
    : undefined;

  const base: ApiDeps = {
    db: database.db,
    clock: () => clock.now(),
    log,
    settings: {
      minIntervalSeconds: config.minIntervalSeconds,
      maxAttempts: config.maxAttempts,
      sessionTtlSeconds: config.sessionTtlSeconds,
      maxApiTokensPerUser: config.maxApiTokensPerUser,
      runNowPerMinute: config.runNowPerMinute,
      backfillDays: config.backfillDays,
      pauseAfterFailures: config.notifications.pauseAfterFailures,
    },
    connectors: connectorsPort(connectors),
    providerBudgets: () => providerBudgets(database.db),
    notifications: notificationsPort({
      box: connectors.box,
      channels,
      allowPrivate: config.notifications.webhookAllowPrivate,
    }),
  };
  const app = await buildApp({
    deps: base,
    ...(scheduler ? { scheduler } : {}),
    authCacheSeconds: config.authCacheSeconds,
    listen: database.listen.bind(database),
    log,
    bodyLimitBytes: config.bodyLimitBytes,
    login: { maxAttempts: config.loginMaxAttempts, windowSeconds: config.loginWindowSeconds },
    credentialFailures: { maxFailures: config.credentialMaxFailures, windowSeconds: config.credentialWindowSeconds },
    // Counted here, shared through PostgreSQL every RATE_LIMIT_SYNC_MS (windows on the database clock).
    rateLimit: {
      perMinute: config.rateLimitPerMinute,
      counters: new RateCounters({ db: database.db, clock: base.clock, log, syncMs: config.rateLimitSyncMs }),
    },
    trustProxy: config.trustProxy,
    webDistDir: config.webDistDir,
    publicUrl: config.publicUrl,
    readiness: {
      ping: async () => {
        await database.db.execute(sql`SELECT 1`);
      },
      schemaReady: () => schema.isReady(),
      scheduler: () => schedulerState.current,
    },
    extend: (instance) => metrics?.register(instance),
  });
  return { app, database, clock, schema, deps: base, scheduler, dispatcher, schedulerState };
}
