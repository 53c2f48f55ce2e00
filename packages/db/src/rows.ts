import type { SQL } from 'drizzle-orm';
import type { Db, Tx } from './database.ts';

/**
 * Runs a hand-written statement and returns its rows. Both drivers answer `{ rows }`; the row type is
 * the caller's promise about the SELECT list. Note that raw rows carry PostgreSQL's own types: bigint
 * arrives as a string, timestamptz as a Date.
 */
export async function queryRows<T>(db: Db | Tx, statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown as { rows: T[] };
  return result.rows;
}
