import { computeNextRun } from '@kpi/cron';
import {
  type CredentialKind,
  connections,
  queryRows,
  type Service,
  sheetDestinations,
  sql,
  withService,
  withTenant,
} from '@kpi/db';
import { EnhancedScheduler, type HandlerRegistry, type SchedulerLog } from '@kpi/scheduler';
import { FakeClock } from '@kpi/scheduler/testing';
import type { TestDatabase } from '@kpi/testing';
import pino from 'pino';
import { connectionAad, SecretBox, sheetAad } from '../src/secrets.ts';
import { type ConnectorSettings, DEFAULT_CONNECTOR_SETTINGS } from '../src/settings.ts';
import { FakeGoogle } from './fakes/google.ts';
import { FakeMeta } from './fakes/meta.ts';
import { FakeSheets } from './fakes/sheets.ts';
import { FakeShopify } from './fakes/shopify.ts';

export const silent = pino({ level: 'silent' });

export type Fakes = { meta: FakeMeta; google: FakeGoogle; sheets: FakeSheets; shopify: FakeShopify; close: () => Promise<void> };

export async function startFakes(): Promise<Fakes> {
  const [meta, google, shopify] = await Promise.all([FakeMeta.start(), FakeGoogle.start(), FakeShopify.start()]);
  const sheets = await FakeSheets.start((token) => google.accessTokens.has(token));
  return {
    meta,
    google,
    sheets,
    shopify,
    close: async () => {
      await Promise.all([meta.server.close(), google.server.close(), sheets.server.close(), shopify.server.close()]);
    },
  };
}

/** Connector settings pointing every base URL at the loopback fakes. */
export function fakeSettings(fakes: Fakes): ConnectorSettings {
  return {
    ...DEFAULT_CONNECTOR_SETTINGS,
    metaBaseUrl: fakes.meta.baseUrl,
    metaApiVersion: 'v26.0',
    ga4BaseUrl: fakes.google.baseUrl,
    googleOAuthTokenUrl: fakes.google.tokenUrl,
    shopifyBaseUrlTemplate: fakes.shopify.template,
    sheetsBaseUrl: fakes.sheets.baseUrl,
    google: { clientId: fakes.google.client.id, clientSecret: fakes.google.client.secret },
    shopify: { clientId: fakes.shopify.client.id, clientSecret: fakes.shopify.client.secret },
    meta: { appId: fakes.meta.login.app.id, appSecret: fakes.meta.login.app.secret },
    requestTimeoutMs: 5_000,
  };
}

export const testBox = () => SecretBox.fromBase64(Buffer.alloc(32, 7).toString('base64'));

export async function createUser(database: TestDatabase): Promise<number> {
  const [row] = await withService(database.db, (tx) =>
    queryRows<{ id: number }>(
      tx,
      sql`INSERT INTO users (email, password_hash) VALUES (${`c-${crypto.randomUUID()}@example.test`}, 'x') RETURNING id`,
    ),
  );
  return Number(row?.id);
}

export async function saveConnection(
  database: TestDatabase,
  box: SecretBox,
  fields: {
    userId: number;
    service: Service;
    accountId: string;
    kind: CredentialKind;
    secret: Record<string, unknown>;
    tokenExpiresAt?: Date;
  },
): Promise<void> {
  const secret = box.seal(fields.secret, connectionAad(fields.userId, fields.service));
  await withTenant(database.db, fields.userId, (tx) =>
    tx
      .insert(connections)
      .values({
        userId: fields.userId,
        service: fields.service,
        accountId: fields.accountId,
        credentialKind: fields.kind,
        secret,
        tokenExpiresAt: fields.tokenExpiresAt ?? null,
      })
      .onConflictDoUpdate({
        target: [connections.userId, connections.service],
        set: {
          accountId: fields.accountId,
          credentialKind: fields.kind,
          secret,
          status: 'ok',
          lastError: null,
          tokenExpiresAt: fields.tokenExpiresAt ?? null,
        },
      }),
  );
}

export async function saveSheet(
  database: TestDatabase,
  box: SecretBox,
  userId: number,
  spreadsheetId: string,
  refreshToken: string,
): Promise<void> {
  await withTenant(database.db, userId, (tx) =>
    tx.insert(sheetDestinations).values({
      userId,
      spreadsheetId,
      tabs: { meta: 'Meta', ga4: 'GA4', shopify: 'Shopify' },
      credentialKind: 'oauth_refresh',
      secret: box.seal({ refreshToken }, sheetAad(userId)),
    }),
  );
}

// Stored rows with their sealed secret: only the service role may read `secret`, so as the sync does.
export async function connectionOf(database: TestDatabase, userId: number, service: Service) {
  const [row] = await withService(database.db, (tx) =>
    tx.select().from(connections).where(sql`user_id = ${userId} AND service = ${service}`),
  );
  return row;
}

export async function sheetOf(database: TestDatabase, userId: number) {
  const [row] = await withService(database.db, (tx) => tx.select().from(sheetDestinations).where(sql`user_id = ${userId}`));
  return row;
}

export async function snapshotsOf(database: TestDatabase, userId: number, service: Service) {
  return withService(database.db, (tx) =>
    queryRows<{ date: string; metrics: Record<string, number | string>; source: string }>(
      tx,
      sql`SELECT date::text AS date, metrics, source FROM kpi_snapshots WHERE user_id = ${userId} AND service = ${service} ORDER BY date`,
    ),
  );
}

export type RunRow = {
  id: number;
  status: string;
  attempt: number;
  run_after: string;
  error: string | null;
  error_class: string | null;
};

/**
 * Fires one daily schedule (`cron`, default 06:00, in `timezone`) for the user and service at `fireAt`
 * through the real engine with a fake clock, then walks the clock to `until` (retries included). Returns the run.
 */
export async function runScheduled(
  database: TestDatabase,
  handlers: HandlerRegistry,
  options: {
    userId: number;
    service: Service;
    fireAt: string;
    until: string;
    timezone?: string;
    cron?: string;
    log?: SchedulerLog;
  },
): Promise<RunRow> {
  const timezone = options.timezone ?? 'UTC';
  const cron = options.cron ?? '0 6 * * *';
  const clock = new FakeClock(new Date(Date.parse(options.fireAt) - 60_000));
  const next = computeNextRun(cron, timezone, clock.now());
  const [schedule] = await withService(database.db, (tx) =>
    queryRows<{ id: string }>(
      tx,
      sql`INSERT INTO job_schedules (user_id, service, cron_expression, timezone, enabled, next_run_at)
          VALUES (${options.userId}, ${options.service}, ${cron}, ${timezone}, true, ${next})
          ON CONFLICT (user_id, service) DO UPDATE SET enabled = true, cron_expression = EXCLUDED.cron_expression,
            timezone = EXCLUDED.timezone, next_run_at = EXCLUDED.next_run_at
          RETURNING id`,
    ),
  );
  const scheduler = new EnhancedScheduler({
    db: database.db,
    clock,
    log: options.log ?? silent,
    handlers,
    instanceId: 'connector-test',
    catchupJitterMs: 0,
    retryDelayMs: 600_000,
    maxAttempts: 3,
    // Retries are found by the poll loop, as in production (a minute of fake time per step).
    pollIntervalMs: 60_000,
    leaseSweepIntervalMs: 6 * 3600_000,
    reconcileIntervalMs: 6 * 3600_000,
    maxSleepMs: 24 * 3600_000,
  });
  await scheduler.start();
  const until = new Date(options.until);
  await scheduler.whenIdle();
  for (let guard = 0; guard < 1000; guard++) {
    const due = clock.nextTimerAt();
    if (!due || due > until) break;
    clock.set(due);
    await scheduler.whenIdle();
  }
  clock.set(until);
  await scheduler.whenIdle();
  await scheduler.stop(1_000);
  await withService(database.db, (tx) => tx.execute(sql`UPDATE job_schedules SET enabled = false WHERE id = ${schedule?.id}`));
  const [run] = await withService(database.db, (tx) =>
    queryRows<RunRow & { run_after: Date }>(
      tx,
      sql`SELECT id, status, attempt, run_after, error, error_class FROM job_runs
          WHERE schedule_id = ${schedule?.id} ORDER BY id DESC LIMIT 1`,
    ),
  );
  if (!run) throw new Error('no run was recorded');
  return { ...run, id: Number(run.id), run_after: new Date(run.run_after).toISOString() };
}
