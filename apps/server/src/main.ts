import { bootstrapAdmin } from './bootstrap-admin.ts';
import { composeServer } from './compose.ts';
import { loadConfig } from './config.ts';
import { startHeartbeat } from './instance-heartbeat.ts';
import { createLogger } from './logger.ts';
import { startRetention } from './retention.ts';

const config = loadConfig();
const log = createLogger(config.logLevel);
const { app, database, clock, schema, deps, scheduler, dispatcher, schedulerState } = await composeServer(config, log);

let retention: ReturnType<typeof startRetention> | undefined;
let heartbeat: ReturnType<typeof startHeartbeat> | undefined;
void schema.whenReady().then(async () => {
  retention = startRetention({ db: database.db, log, clock: deps.clock, retentionDays: config.runRetentionDays });
  await bootstrapAdmin(deps, log, { email: config.adminEmail, password: config.adminPassword }).catch((error) =>
    log.error({ event: 'admin-bootstrap-failed', err: error }, 'could not create the first administrator'),
  );
  await dispatcher
    ?.start()
    .catch((error: unknown) =>
      log.error({ event: 'notifications-start-failed', err: error }, 'notification dispatcher failed to start'),
    );
  if (!scheduler) return;
  // The scheduler starts only once its tables exist; until then /readyz reports it as waiting.
  await scheduler.start().then(
    () => {
      schedulerState.current = 'running';
      heartbeat = startHeartbeat({ db: database.db, instanceId: scheduler.instanceId, clock: deps.clock, log });
      log.info({ event: 'scheduler-started', instanceId: scheduler.instanceId }, 'scheduler started');
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
  await retention?.stop();
  await app.close();
  if (scheduler) await scheduler.stop(config.shutdownGraceSeconds * 1000);
  await dispatcher?.stop();
  await heartbeat?.stop();
  clock.stop();
  await database.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
