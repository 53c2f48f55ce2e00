import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Database, Db, Unlisten } from './database.ts';
import { MIGRATION_LOCK_KEY } from './database.ts';
import { beginText, registerPostgresPaths } from './postgres-paths.ts';
import * as schema from './schema/index.ts';
import { SERVICE_ROLE } from './schema/tenant.ts';

export type PostgresOptions = {
  url: string;
  poolSize?: number;
  /** Called for connection errors that happen outside a query (an idle client dropped by a restart). */
  onError?: (error: Error) => void;
  applicationName?: string;
};

export function openPostgres(options: PostgresOptions): Database {
  const pool = openPool(options);
  // System work runs on connections that are the service role from the start (see postgres-paths.ts).
  const servicePool = openPool(options, `-c role=${SERVICE_ROLE}`);
  const db = drizzle({ client: pool, schema }) as unknown as Db;
  registerPostgresPaths(db, { serviceDb: drizzle({ client: servicePool, schema }) as unknown as Db });
  const listeners = new Set<ReconnectingListener>();

  return {
    kind: 'postgres',
    db,
    async runScripts(scripts, skipWhen) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        const skip =
          skipWhen !== undefined && (await skipWhen(async <T>(text: string) => (await client.query(text)).rows as T[]));
        if (!skip) for (const script of scripts) await client.query(script.sql);
        await client.query('COMMIT');
        return !skip;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onNotify, onReconnect): Promise<Unlisten> {
      const listener = new ReconnectingListener(options, channel, onNotify, onReconnect);
      listeners.add(listener);
      await listener.start();
      return async () => {
        listeners.delete(listener);
        await listener.stop();
      };
    },
    async close() {
      await Promise.all([...listeners].map((l) => l.stop()));
      await Promise.all([pool.end(), servicePool.end()]);
    },
  };
}

function openPool(options: PostgresOptions, startupOptions?: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'kpi-sync',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(startupOptions ? { options: startupOptions } : {}),
  });
  // Without this handler an idle client dropped by a PostgreSQL restart would crash the process.
  pool.on('error', (error) => options.onError?.(error));
  // The pool listens for errors only on idle clients. A client checked out (between the statements of a
  // transaction) whose connection drops would emit an unhandled 'error' and kill the process; the query
  // in flight, or the next one, fails instead, and the pool discards the broken client on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  // drizzle-orm's transaction() sends BEGIN before its try/finally, so when BEGIN fails (the connection
  // dropped between checkout and BEGIN) the client is never released: the pool loses it for good, and
  // after a few such faults every query waits forever. Such a client is released (and destroyed) here.
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient> | undefined;
  (pool as unknown as { connect: typeof connect }).connect = (callback?: unknown) =>
    callback ? connect(callback) : (connect() as Promise<pg.PoolClient>).then(releaseOnFailedBegin);
  return pool;
}

function isBegin(statement: unknown): boolean {
  const text = typeof statement === 'string' ? statement : (statement as { text?: unknown } | undefined)?.text;
  return typeof text === 'string' && /^\s*begin\b/i.test(text);
}

/**
 * For one checkout: a failed BEGIN releases the client with its error; a second release is ignored.
 * A BEGIN also carries the prelude `withBeginPrelude` left for it, in the same simple query.
 */
function releaseOnFailedBegin(client: pg.PoolClient): pg.PoolClient {
  const release = client.release;
  let released = false;
  client.release = (error?: Error | boolean) => {
    if (released) return;
    released = true;
    release(error);
  };
  const query = Object.getPrototypeOf(client).query as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    if (!isBegin(args[0])) return query.apply(client, args);
    const [statement, ...rest] = args;
    const text =
      typeof statement === 'string'
        ? beginText(statement)
        : { ...(statement as object), text: beginText((statement as { text: string }).text) };
    const result = query.apply(client, [text, ...rest]);
    if (!(result instanceof Promise)) return result;
    return result.catch((error: unknown) => {
      client.release(error instanceof Error ? error : true);
      throw error;
    });
  };
  return client;
}

/** One dedicated connection per channel that comes back after PostgreSQL restarts. */
class ReconnectingListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private everConnected = false;

  constructor(
    private readonly options: PostgresOptions,
    private readonly channel: string,
    private readonly onNotify: (payload: string) => void,
    private readonly onReconnect: (() => void) | undefined,
  ) {}

  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      this.options.onError?.(error as Error);
      this.scheduleRetry();
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, application_name: 'kpi-sync-listener' });
    client.on('error', (error) => {
      this.options.onError?.(error);
      this.drop(client);
    });
    client.on('end', () => this.drop(client));
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onNotify(message.payload ?? '');
    });
    await client.connect();
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    try {
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    } catch (error) {
      // Not ours yet, so drop() would not close it: without this every failed LISTEN leaked a connection.
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    if (this.everConnected) this.onReconnect?.();
    this.everConnected = true;
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.start().catch(() => undefined);
    }, 1_000);
    this.retryTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
