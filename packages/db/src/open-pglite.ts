import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import type { Database, Db } from './database.ts';
import { MIGRATION_LOCK_KEY } from './database.ts';
import * as schema from './schema/index.ts';

export type PgliteOptions = {
  /** A folder to persist to; omitted means in memory. */
  dataDir?: string;
  /** An already started instance (tests share one, since a start costs seconds). */
  instance?: PGlite;
};

/**
 * The embedded database. PGlite is one connection and connects as a superuser, so row-level security
 * holds only because every tenant transaction switches to the tenant role (see `withTenant`).
 */
export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  const ownsInstance = options.instance === undefined;
  const pglite = options.instance ?? (await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {}));
  const db = drizzle({ client: pglite, schema }) as unknown as Db;

  return {
    kind: 'pglite',
    db,
    pglite,
    async runScripts(scripts, skipWhen) {
      return pglite.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        if (skipWhen && (await skipWhen(async <T>(text: string) => (await tx.query<T>(text)).rows))) return false;
        for (const script of scripts) await tx.exec(script.sql);
        return true;
      });
    },
    async listen(channel, onNotify) {
      return pglite.listen(channel, onNotify);
    },
    async close() {
      if (ownsInstance) await pglite.close();
    },
  };
}
