import type { ApiDeps, Viewer } from '@kpi/api';
import { createApiToken, createUser } from '@kpi/api';
import { sampleRegistry } from '@kpi/connectors';
import type { Database } from '@kpi/db';
import { sql } from '@kpi/db';
import { EnhancedScheduler, systemClock } from '@kpi/scheduler';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { type AppOptions, buildApp } from '../src/app.ts';

export const silentLog = pino({ level: 'silent' });

export function testDeps(database: Database, overrides: Partial<ApiDeps['settings']> = {}, clock = () => new Date()): ApiDeps {
  return {
    db: database.db,
    clock,
    log: silentLog,
    settings: { minIntervalSeconds: 60, maxAttempts: 3, sessionTtlSeconds: 3600, ...overrides },
  };
}

/** The origin the test apps are configured with (PUBLIC_URL): OAuth redirect URIs start with it. */
export const TEST_PUBLIC_URL = 'https://kpi.example.test';

/** The real application over a test database, driven with inject(). */
export async function buildTestApp(
  database: Database,
  options: {
    deps?: ApiDeps;
    bodyLimitBytes?: number;
    loginMaxAttempts?: number;
    schemaReady?: () => boolean;
    /** The readiness round trip (default: `SELECT 1` on the test database). */
    ping?: () => Promise<void>;
    scheduler?: () => 'running' | 'disabled' | 'waiting';
    extend?: (app: FastifyInstance) => void | Promise<void>;
    engine?: EnhancedScheduler;
    /** PUBLIC_URL; null leaves it unset (OAuth start then answers a configuration error). */
    publicUrl?: string | null;
    /** The app's logger (a test capturing log lines passes createLogger with a destination). */
    log?: Logger;
    onRoute?: AppOptions['onRoute'];
    /** A built SPA folder to serve (default: none). */
    webDistDir?: string;
    /** Which proxies to trust (TRUST_PROXY), to test answers over TLS behind a proxy. */
    trustProxy?: AppOptions['trustProxy'];
    /** The database's LISTEN, for cache invalidation across app instances. */
    listen?: AppOptions['listen'];
    /** How long a resolved credential is remembered (default: the app's 5 s). */
    authCacheSeconds?: number;
  } = {},
): Promise<FastifyInstance> {
  const deps = options.deps ?? testDeps(database);
  return buildApp({
    deps,
    log: options.log ?? silentLog,
    bodyLimitBytes: options.bodyLimitBytes ?? 64 * 1024,
    login: { maxAttempts: options.loginMaxAttempts ?? 1000, windowSeconds: 900 },
    // The bad-input suites send hundreds of forged credentials from one address; rate-limit-credentials.test.ts tests the limit.
    credentialFailures: { maxFailures: 100_000, windowSeconds: 300 },
    readiness: {
      ping:
        options.ping ??
        (async () => {
          await database.db.execute(sql`SELECT 1`);
        }),
      schemaReady: options.schemaReady ?? (() => true),
      scheduler: options.scheduler ?? (() => 'disabled'),
    },
    extend: options.extend,
    ...(options.engine ? { scheduler: options.engine } : {}),
    publicUrl: options.publicUrl === null ? undefined : (options.publicUrl ?? TEST_PUBLIC_URL),
    onRoute: options.onRoute,
    trustProxy: options.trustProxy ?? false,
    webDistDir: options.webDistDir,
    ...(options.listen ? { listen: options.listen } : {}),
    ...(options.authCacheSeconds !== undefined ? { authCacheSeconds: options.authCacheSeconds } : {}),
  });
}

export type TestUser = Viewer & { token: string; auth: { authorization: string } };

let counter = 0;
/** A user with an API token, ready to call the API as. */
export async function createTestUser(database: Database, prefix = 'user', role: 'admin' | 'user' = 'user'): Promise<TestUser> {
  counter++;
  const viewer = await createUser(
    { db: database.db },
    { email: `${prefix}${counter}-${Date.now()}@example.test`, password: 'password-123', role },
  );
  const { token } = await createApiToken({ db: database.db }, viewer.id, { name: 'test' });
  return { ...viewer, token, auth: { authorization: `Bearer ${token}` } };
}

/** The app with a real scheduler (sample connectors, fast polling) wired as main.ts wires them. */
export async function startAppWithScheduler(
  database: Database,
  options: { deps?: ApiDeps; onRoute?: AppOptions['onRoute'] } = {},
): Promise<{
  app: FastifyInstance;
  scheduler: EnhancedScheduler;
  stop: () => Promise<void>;
}> {
  const scheduler = new EnhancedScheduler({
    db: database.db,
    clock: systemClock,
    log: silentLog,
    handlers: sampleRegistry(),
    pollIntervalMs: 100,
  });
  const app = await buildTestApp(database, {
    engine: scheduler,
    ...(options.deps ? { deps: options.deps } : {}),
    onRoute: options.onRoute,
  });
  await scheduler.start();
  return {
    app,
    scheduler,
    stop: async () => {
      await scheduler.stop(1_000);
      await app.close();
    },
  };
}

/** A logger that keeps every line it writes, for tests that assert what was (not) logged. */
export function capturingLog(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}
