import { type ConnectorDeps, connectorRegistry, deploymentGate, loadOrCreateKeyFile, SecretBox } from '@kpi/connectors';
import type { Database } from '@kpi/db';
import { type Clock, EnhancedScheduler, type SchedulerObserver } from '@kpi/scheduler';
import type { Logger } from 'pino';
import type { Config } from './config.ts';

/**
 * The connectors' settings and the key that seals stored credentials: SECRETS_KEY when set; in embedded
 * mode (no DATABASE_URL) a key file kept in DATA_DIR, created on first start; with PostgreSQL and no
 * SECRETS_KEY none at all (saving a credential then answers 503 saying so; sample data still runs).
 * Every source and Sheets call goes through the provider gate: the deployment-wide concurrency caps,
 * kept in the database, and the pacing the sources' quota signals ask for.
 */
export async function openConnectors(config: Config, log: Logger, database: Database): Promise<ConnectorDeps> {
  let box: SecretBox | undefined;
  if (config.secretsKey) box = SecretBox.fromBase64(config.secretsKey);
  else if (!config.databaseUrl) {
    const opened = await loadOrCreateKeyFile(config.dataDir);
    box = opened.box;
    if (opened.created)
      log.info({ event: 'secrets-key-created', dataDir: config.dataDir }, 'created the secrets key file (mode 0600)');
  } else {
    log.warn({ event: 'secrets-key-missing' }, 'SECRETS_KEY is not set: users cannot save connector credentials');
  }
  const gate = deploymentGate(database.db, config.connectors, { listen: database.listen.bind(database) });
  const settings = { ...config.connectors, gate };
  // Without the schema yet (it may come later), the slots are created on each provider's first call.
  await settings.gate
    .prepare()
    .catch((error: unknown) => log.warn({ event: 'provider-slots-deferred', err: error }, 'provider slots not created yet'));
  return { settings, ...(box ? { box } : {}) };
}

/** The engine as configured from the environment: real connectors where a user connected, else sample data. */
export function createScheduler(options: {
  config: Config;
  database: Database;
  clock: Clock;
  log: Logger;
  observer: SchedulerObserver;
  connectors: ConnectorDeps;
}) {
  const { config } = options;
  return new EnhancedScheduler({
    db: options.database.db,
    listen: options.database.listen.bind(options.database),
    clock: options.clock,
    log: options.log.child({ component: 'scheduler' }),
    handlers: connectorRegistry(options.connectors),
    observer: options.observer,
    graceMs: config.misfireGraceSeconds * 1000,
    catchupWindowMs: config.catchupWindowSeconds * 1000,
    catchupJitterMs: config.catchupJitterSeconds * 1000,
    retryDelayMs: config.retryDelaySeconds * 1000,
    maxAttempts: config.maxAttempts,
    concurrency: config.workerConcurrency,
    leaseMs: config.leaseSeconds * 1000,
    runTimeoutMs: config.runTimeoutSeconds * 1000,
    pauseAfterFailures: config.notifications.pauseAfterFailures,
  });
}
