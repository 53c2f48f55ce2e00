import type { ApiDeps } from '@kpi/api';
import { openDatabase, sql } from '@kpi/db';
import { buildApp } from './app.ts';
import { bootstrapAdmin } from './bootstrap-admin.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { SchemaWatch } from './schema-watch.ts';

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

const deps: ApiDeps = {
  db: database.db,
  clock: () => new Date(),
  log,
  settings: {
    minIntervalSeconds: config.minIntervalSeconds,
    maxAttempts: config.maxAttempts,
    sessionTtlSeconds: config.sessionTtlSeconds,
  },
};

const schema = new SchemaWatch(database, log, config.schemaRecheckSeconds * 1000);
await schema.start();

const app = await buildApp({
  deps,
  log,
  bodyLimitBytes: config.bodyLimitBytes,
  login: { maxAttempts: config.loginMaxAttempts, windowSeconds: config.loginWindowSeconds },
  trustProxy: config.trustProxy,
  webDistDir: config.webDistDir,
  readiness: {
    ping: async () => {
      await database.db.execute(sql`SELECT 1`);
    },
    schemaReady: () => schema.isReady(),
    scheduler: () => 'disabled',
  },
});

void schema
  .whenReady()
  .then(() =>
    bootstrapAdmin(deps, log, { email: config.adminEmail, password: config.adminPassword }).catch((error) =>
      log.error({ event: 'admin-bootstrap-failed', err: error }, 'could not create the first administrator'),
    ),
  );

await app.listen({ port: config.port, host: config.host });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ event: 'shutdown', signal }, 'shutting down');
  schema.stop();
  await app.close();
  await database.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
