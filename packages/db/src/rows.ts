import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
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

const dialect = new PgDialect();

/** `queryRows` as the named prepared statement `name`; rows arrive as `queryRows` gives them. */
export async function preparedRows<T>(db: Db | Tx, name: string, statement: SQL): Promise<T[]> {
  const prepared = db._.session.prepareQuery(dialect.sqlToQuery(statement), undefined, name, false);
  const result = (await prepared.execute()) as unknown as { rows: T[] };
  return result.rows;
}
