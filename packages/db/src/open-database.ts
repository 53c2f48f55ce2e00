import type { Database } from './database.ts';
import { openPglite } from './open-pglite.ts';
import { openPostgres } from './open-postgres.ts';

export type OpenDatabaseOptions = {
  /** `postgres://...` selects PostgreSQL; absent selects embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  onError?: (error: Error) => void;
};

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    return openPostgres({ url: options.databaseUrl, poolSize: options.poolSize, onError: options.onError });
  }
  return openPglite({ dataDir: options.dataDir });
}
