import type { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** A Drizzle database over either driver; the code above this package never knows which. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export type Script = { name: string; sql: string };
/** One statement without parameters, answered as rows. */
export type RawQuery = <T>(text: string) => Promise<T[]>;
export type Unlisten = () => Promise<void>;

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Db;
  /**
   * Runs SQL scripts (many statements each) in one transaction, serialised across instances by an advisory
   * lock. `skipWhen` runs first, in that transaction under that lock: when it answers true nothing else
   * runs. Resolves to whether the scripts ran.
   */
  runScripts(scripts: Script[], skipWhen?: (query: RawQuery) => Promise<boolean>): Promise<boolean>;
  /**
   * Calls `onNotify` for every NOTIFY on `channel`, across reconnects. `onReconnect` runs after the
   * listener came back from a lost connection, since notifications sent meanwhile were lost.
   */
  listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<Unlisten>;
  close(): Promise<void>;
  /** The raw PGlite instance in embedded mode (tests reuse it), else undefined. */
  readonly pglite?: PGlite;
}

// Held for the whole migration transaction so that instances starting together migrate one at a time.
export const MIGRATION_LOCK_KEY = 727_274_001;
